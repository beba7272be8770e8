import { describe, expect, it } from "vitest";
import { uniq, useHarness } from "../../testing/fixtures.ts";
import { ok } from "../../testing/nfs-client.ts";
import { NF3CHR, NF3DIR, NF3FIFO, NF3REG, NF3SOCK, NFS3ERR_BADTYPE, NFS3ERR_EXIST } from "../constants.ts";

const h = useHarness();

describe("MKNOD (RFC 1813 §3.3.11)", () => {
  it("creates FIFOs, sockets and devices as metadata", async () => {
    const { client, root } = h();
    expect(ok(await client.mknod(root, uniq(), NF3FIFO, { mode: 0o600 })).attr).toMatchObject({
      type: NF3FIFO,
      mode: 0o600,
    });
    expect(ok(await client.mknod(root, uniq(), NF3SOCK)).attr?.type).toBe(NF3SOCK);
    const chr = ok(await client.mknod(root, uniq(), NF3CHR, { mode: 0o666 }, [1, 3]));
    expect(chr.attr).toMatchObject({ type: NF3CHR, rdev: [1, 3] });
  });

  it("answers BADTYPE for regular files and directories, EXIST for a taken name", async () => {
    const { client, root } = h();
    expect((await client.mknod(root, uniq(), NF3REG)).status).toBe(NFS3ERR_BADTYPE);
    expect((await client.mknod(root, uniq(), NF3DIR)).status).toBe(NFS3ERR_BADTYPE);
    const name = uniq();
    ok(await client.mknod(root, name, NF3FIFO));
    expect((await client.mknod(root, name, NF3FIFO)).status).toBe(NFS3ERR_EXIST);
  });
});

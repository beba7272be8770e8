import { describe, expect, it } from "vitest";
import { shareInfo } from "../../testing/context.ts";
import { garbageHandle, uniq, useHarness } from "../../testing/fixtures.ts";
import { makeFile } from "../../testing/harness.ts";
import { failed, ok } from "../../testing/nfs-client.ts";
import { NF3DIR, NF3REG, NFS3ERR_ACCES, NFS3ERR_BADHANDLE, NFS3ERR_STALE } from "../constants.ts";

const h = useHarness({
  shares: [shareInfo("/export"), shareInfo("/smb", { protocols: { nfs: false, smb: true } })],
});

describe("GETATTR (RFC 1813 §3.3.1)", () => {
  it("returns fattr3 of the root and of a file", async () => {
    const { client, root } = h();
    const r = ok(await client.getattr(root));
    expect(r.attr.type).toBe(NF3DIR);
    expect(r.attr.fileid).not.toBe(0n);
    const fh = await makeFile(client, root, uniq(), Buffer.from("12345"));
    const f = ok(await client.getattr(fh));
    expect(f.attr).toMatchObject({ type: NF3REG, size: 5n, nlink: 1, mode: 0o644 });
    expect(f.attr.fsid).toBe(r.attr.fsid);
  });

  it("answers STALE for a removed file and BADHANDLE for garbage", async () => {
    const { client, root } = h();
    const name = uniq();
    const fh = await makeFile(client, root, name);
    ok(await client.remove(root, name));
    expect((await client.getattr(fh)).status).toBe(NFS3ERR_STALE);
    const bad = failed(await client.getattr(garbageHandle(fh)));
    expect([NFS3ERR_BADHANDLE, NFS3ERR_STALE]).toContain(bad.status);
    expect((await client.getattr(Buffer.from([1, 2, 3]))).status).toBe(NFS3ERR_BADHANDLE);
    // GETATTR3resfail carries nothing after the status.
    expect(bad.fail.remaining).toBe(0);
  });

  it("answers ACCES for a handle of a share that is not exported over NFS", async () => {
    const { client, ctx } = h();
    expect((await client.getattr(ctx.metadata.rootHandle("/smb"))).status).toBe(NFS3ERR_ACCES);
  });
});

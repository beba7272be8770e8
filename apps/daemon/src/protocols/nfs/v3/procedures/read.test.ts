import { describe, expect, it } from "vitest";
import { postOpAttr } from "../../testing/decode.ts";
import { uniq, useHarness } from "../../testing/fixtures.ts";
import { makeFile } from "../../testing/harness.ts";
import { failed, ok } from "../../testing/nfs-client.ts";
import { NF3DIR, NFS3ERR_ACCES, NFS3ERR_ISDIR, RTMAX_BYTES } from "../constants.ts";

const h = useHarness();

describe("READ (RFC 1813 §3.3.6)", () => {
  it("reads data, clips to the file size and sets eof", async () => {
    const { client, root } = h();
    const data = Buffer.from("0123456789abcdef");
    const fh = await makeFile(client, root, uniq(), data);
    const mid = ok(await client.read(fh, 2, 4));
    expect(mid).toMatchObject({ count: 4, eof: false });
    expect(mid.data.toString()).toBe("2345");
    const tail = ok(await client.read(fh, 10, 100));
    expect(tail).toMatchObject({ count: 6, eof: true });
    expect(tail.data.toString()).toBe("abcdef");
    const past = ok(await client.read(fh, 100, 10));
    expect(past).toMatchObject({ count: 0, eof: true });
    expect(past.attr?.size).toBe(16n);
  });

  it("clips a count above rtmax and reads holes as zeros", async () => {
    const { client, root } = h();
    const fh = await makeFile(client, root, uniq());
    ok(await client.write(fh, 2 * RTMAX_BYTES, Buffer.from("end"), 2));
    const r = ok(await client.read(fh, 0, 4 * RTMAX_BYTES));
    expect(r.count).toBe(RTMAX_BYTES);
    expect(r.eof).toBe(false);
    expect(r.data.equals(Buffer.alloc(RTMAX_BYTES))).toBe(true);
  });

  it("answers ISDIR for a directory and ACCES without read permission", async () => {
    const { client, root } = h();
    const r = failed(await client.read(root, 0, 10));
    expect(r.status).toBe(NFS3ERR_ISDIR);
    expect(postOpAttr(r.fail)?.type).toBe(NF3DIR);
    const fh = await makeFile(client, root, uniq(), Buffer.from("secret"));
    ok(await client.setattr(fh, { mode: 0o600 }));
    expect((await client.as(4321, 4321).read(fh, 0, 10)).status).toBe(NFS3ERR_ACCES);
  });

  it("counts READ and WRITE bytes for the share and for the mount that sent them", async () => {
    const { client, root, ctx } = h();
    const share = () => ctx.traffic.shares().find((t) => t.share === "/export")!;
    const mount = () => ctx.clients.list().find((c) => c.protocol === "nfs" && c.share === "/export")!;
    const [shareBefore, mountBefore] = [share(), mount().traffic];
    const fh = await makeFile(client, root, uniq());
    ok(await client.write(fh, 0, Buffer.alloc(5000, 1), 2));
    ok(await client.write(fh, 5000, Buffer.alloc(3000, 2), 2));
    ok(await client.read(fh, 0, 6000));
    ok(await client.read(fh, 6000, 6000)); // clipped at the end: 2000 bytes
    const delta = {
      writtenBytes: 8000,
      writes: 2,
      readBytes: 8000,
      reads: 2,
    };
    for (const [now, before] of [
      [share(), shareBefore],
      [mount().traffic, mountBefore],
    ] as const) {
      expect({
        writtenBytes: now.writtenBytes - before.writtenBytes,
        writes: now.writes - before.writes,
        readBytes: now.readBytes - before.readBytes,
        reads: now.reads - before.reads,
      }).toEqual(delta);
    }
  });
});

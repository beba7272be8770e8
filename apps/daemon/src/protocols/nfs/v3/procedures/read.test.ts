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
});

import { connect } from "node:net";
import { describe, expect, it } from "vitest";
import { NFS_PROGRAM } from "../../rpc/constants.ts";
import { encodeCall } from "../../rpc/message.ts";
import { encodeRecord, RecordDecoder } from "../../rpc/record-marking.ts";
import { wcc } from "../../testing/decode.ts";
import { uniq, useHarness } from "../../testing/fixtures.ts";
import { encodeSattr, failed, ok, ROOT_AUTH } from "../../testing/nfs-client.ts";
import { XdrWriter } from "../../xdr/writer.ts";
import { NF3REG, NFS3ERR_ACCES, NFS3ERR_EXIST, NFS3ERR_NOTDIR } from "../constants.ts";

const h = useHarness();

describe("CREATE (RFC 1813 §3.3.8)", () => {
  it("UNCHECKED creates with attributes and returns handle, attributes and dir wcc", async () => {
    const { client, root } = h();
    const name = uniq();
    const r = ok(await client.create(root, name, "unchecked", { mode: 0o640, size: 0 }));
    expect(r.fh).not.toBeNull();
    expect(r.attr).toMatchObject({ type: NF3REG, mode: 0o640, size: 0n });
    expect(r.dir.before).not.toBeNull();
    expect(r.dir.after).not.toBeNull();
    // UNCHECKED on an existing file succeeds (and may truncate).
    const again = ok(await client.create(root, name, "unchecked", { mode: 0o640 }));
    expect(again.attr?.fileid).toBe(r.attr?.fileid);
  });

  it("GUARDED fails with EXIST and the directory's wcc_data", async () => {
    const { client, root } = h();
    const name = uniq();
    ok(await client.create(root, name, "guarded"));
    const r = failed(await client.create(root, name, "guarded"));
    expect(r.status).toBe(NFS3ERR_EXIST);
    expect(wcc(r.fail).after).not.toBeNull();
  });

  it("EXCLUSIVE: a retry with the same verifier succeeds, another verifier gets EXIST", async () => {
    const { client, root } = h();
    const name = uniq();
    const v1 = Buffer.from("verf0001");
    const a = ok(await client.create(root, name, v1));
    const b = ok(await client.create(root, name, v1));
    expect(b.fh?.equals(a.fh!)).toBe(true);
    expect((await client.create(root, name, Buffer.from("verf0002"))).status).toBe(NFS3ERR_EXIST);
  });

  it("answers NOTDIR under a file and ACCES in a directory the caller may not write", async () => {
    const { client, root } = h();
    const f = ok(await client.create(root, uniq())).fh!;
    expect((await client.create(f, "x")).status).toBe(NFS3ERR_NOTDIR);
    const d = ok(await client.mkdir(root, uniq(), { mode: 0o755 })).fh!;
    expect((await client.as(777, 777).create(d, "x")).status).toBe(NFS3ERR_ACCES);
  });

  it("a retransmitted GUARDED create (same xid) gets the original reply from the duplicate request cache", async () => {
    const { root, port, client } = h();
    const name = uniq();
    const w = encodeCall(new XdrWriter(), {
      xid: 0x5eed,
      prog: NFS_PROGRAM,
      vers: 3,
      proc: 8,
      auth: ROOT_AUTH,
    });
    w.opaque(root).string(name).uint32(1);
    encodeSattr(w, { mode: 0o600 });
    const rec = encodeRecord(w.toBuffer());
    const s = connect({ port, host: "127.0.0.1" });
    const dec = new RecordDecoder(1 << 20);
    const replies: Buffer[] = [];
    s.on("data", (d) => replies.push(...dec.push(d)));
    await new Promise((r) => s.once("connect", r));
    s.write(rec);
    while (replies.length < 1) await new Promise((r) => setTimeout(r, 5));
    s.write(rec);
    while (replies.length < 2) await new Promise((r) => setTimeout(r, 5));
    s.destroy();
    expect(replies[1]).toEqual(replies[0]);
    // accepted SUCCESS, then nfsstat3 NFS3_OK (not EXIST) in both.
    expect(replies[0]!.readUInt32BE(24)).toBe(0);
    expect((await client.create(root, name, "guarded")).status).toBe(NFS3ERR_EXIST);
  });
});

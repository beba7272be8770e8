import { describe, expect, it } from "vitest";
import { uniq } from "../../testing/fixtures.ts";
import * as k from "../constants.ts";
import { ANONYMOUS_STATEID, op, readStateid, res, type Stateid } from "../testing/client.ts";
import { useNfs4 } from "../testing/harness.ts";

const h = useNfs4();

/** SEQUENCE PUTFH(root) OPEN(create) GETFH: the new file's stateid and handle. */
async function create(name: string): Promise<{ stateid: Stateid; fh: Buffer }> {
  const { client, root } = h();
  const rep = await client.call([op.putfh(root), op.open(name, { create: true }), op.getfh()]);
  expect(rep.status).toBe(k.NFS4_OK);
  res(rep.r, k.OP_PUTFH);
  res(rep.r, k.OP_OPEN);
  const stateid = readStateid(rep.r);
  rep.r.uint32(); // cinfo.atomic
  rep.r.uint64();
  rep.r.uint64();
  expect(rep.r.uint32() & k.OPEN4_RESULT_CONFIRM).toBe(0);
  rep.r.array(8, (x) => x.uint32());
  expect(rep.r.uint32()).toBe(k.OPEN_DELEGATE_NONE);
  res(rep.r, k.OP_GETFH);
  return { stateid, fh: Buffer.from(rep.r.opaque(128)) };
}

describe("OPEN / WRITE / READ / COMMIT / CLOSE (RFC 8881 §18.16, §18.32, §18.22, §18.3, §18.2)", () => {
  it("creates, writes, reads back and closes a file", async () => {
    const { client } = h();
    const { stateid, fh } = await create(uniq());
    const data = Buffer.from("hello nfsv4");
    const w = await client.call([op.putfh(fh), op.write(stateid, 0, data, k.UNSTABLE4), op.commit()]);
    expect(w.status).toBe(k.NFS4_OK);
    res(w.r, k.OP_PUTFH);
    res(w.r, k.OP_WRITE);
    expect(w.r.uint32()).toBe(data.length);
    expect(w.r.uint32()).toBe(k.UNSTABLE4);
    const verf = Buffer.from(w.r.fixedOpaque(8));
    res(w.r, k.OP_COMMIT);
    expect(Buffer.from(w.r.fixedOpaque(8)).equals(verf)).toBe(true);
    const r = await client.call([op.putfh(fh), op.read(stateid, 0, 100), op.close(stateid)]);
    expect(r.status).toBe(k.NFS4_OK);
    res(r.r, k.OP_PUTFH);
    res(r.r, k.OP_READ);
    expect(r.r.bool()).toBe(true);
    expect(Buffer.from(r.r.opaque(100)).toString()).toBe("hello nfsv4");
    res(r.r, k.OP_CLOSE);
    // After CLOSE the stateid is gone; the anonymous stateid still reads.
    const again = await client.call([op.putfh(fh), op.read(stateid, 0, 1)]);
    expect(again.status).toBe(k.NFS4ERR_BAD_STATEID);
    const anon = await client.call([op.putfh(fh), op.read(ANONYMOUS_STATEID, 6, 100)]);
    res(anon.r, k.OP_PUTFH);
    expect(res(anon.r, k.OP_READ)).toBe(k.NFS4_OK);
    anon.r.bool();
    expect(Buffer.from(anon.r.opaque(100)).toString()).toBe("nfsv4");
  });

  it("opens an existing file without create and refuses a missing one or a directory", async () => {
    const { client, root } = h();
    const name = uniq();
    await create(name);
    const again = await client.call([op.putfh(root), op.open(name)]);
    expect(again.status).toBe(k.NFS4_OK);
    const missing = await client.call([op.putfh(root), op.open(uniq())]);
    expect(missing.status).toBe(k.NFS4ERR_NOENT);
    const dir = uniq();
    expect((await client.call([op.putfh(root), op.mkdir(dir)])).status).toBe(k.NFS4_OK);
    expect((await client.call([op.putfh(root), op.open(dir)])).status).toBe(k.NFS4ERR_ISDIR);
  });

  it("refuses WRITE with a stateid this server never gave", async () => {
    const { client } = h();
    const { fh } = await create(uniq());
    const forged = { seqid: 1, other: Buffer.alloc(12, 7) };
    const rep = await client.call([op.putfh(fh), op.write(forged, 0, Buffer.from("x"))]);
    expect(rep.status).toBe(k.NFS4ERR_BAD_STATEID);
  });
});

import { describe, expect, it } from "vitest";
import { uniq } from "../../testing/fixtures.ts";
import * as k from "../constants.ts";
import { op, readStateid, res } from "../testing/client.ts";
import { useNfs4 } from "../testing/harness.ts";

const h = useNfs4();

describe("TEST_STATEID / FREE_STATEID (RFC 8881 §18.48, §18.38)", () => {
  it("reports each stateid's status; an open one cannot be freed until closed", async () => {
    const { client, root } = h();
    const opened = await client.call([op.putfh(root), op.open(uniq(), { create: true })]);
    res(opened.r, k.OP_PUTFH);
    res(opened.r, k.OP_OPEN);
    const sid = readStateid(opened.r);
    const test = (ids: Array<{ seqid: number; other: Buffer }>) =>
      client.call([
        (w) => {
          w.uint32(k.OP_TEST_STATEID).uint32(ids.length);
          for (const s of ids) w.uint32(s.seqid).fixedOpaque(s.other);
        },
      ]);
    const forged = { seqid: 1, other: Buffer.alloc(12, 9) };
    const t = await test([sid, forged, { seqid: sid.seqid + 1, other: sid.other }]);
    res(t.r, k.OP_TEST_STATEID);
    expect(t.r.array(8, (x) => x.uint32())).toEqual([
      k.NFS4_OK,
      k.NFS4ERR_BAD_STATEID,
      k.NFS4ERR_BAD_STATEID,
    ]);
    const free = (s: { seqid: number; other: Buffer }) =>
      client.call([(w) => w.uint32(k.OP_FREE_STATEID).uint32(s.seqid).fixedOpaque(s.other)]);
    expect((await free(sid)).status).toBe(k.NFS4ERR_LOCKS_HELD);
    expect((await free(forged)).status).toBe(k.NFS4ERR_BAD_STATEID);
  });
});

describe("BIND_CONN_TO_SESSION / RECLAIM_COMPLETE / SAVEFH / RESTOREFH / PUTPUBFH", () => {
  it("binds the fore channel, completes reclaim once, and restores the saved filehandle", async () => {
    const { client, root } = h();
    const id = client.sessionId!;
    const bind = await client.compound(1, [
      (w) => w.uint32(k.OP_BIND_CONN_TO_SESSION).fixedOpaque(id).uint32(3).bool(false),
    ]);
    res(bind.r, k.OP_BIND_CONN_TO_SESSION);
    expect(Buffer.from(bind.r.fixedOpaque(16)).equals(id)).toBe(true);
    expect(bind.r.uint32()).toBe(k.CDFS4_FORE);
    const rc = () => client.call([(w) => w.uint32(k.OP_RECLAIM_COMPLETE).bool(false)]);
    expect((await rc()).status).toBe(k.NFS4_OK);
    expect((await rc()).status).toBe(k.NFS4ERR_COMPLETE_ALREADY);
    expect((await client.call([op.restorefh()])).status).toBe(k.NFS4ERR_RESTOREFH);
    const saved = await client.call([op.putfh(root), op.savefh(), op.putpubfh(), op.restorefh(), op.getfh()]);
    expect(saved.status).toBe(k.NFS4_OK);
    for (const o of [k.OP_PUTFH, k.OP_SAVEFH, k.OP_PUTPUBFH, k.OP_RESTOREFH, k.OP_GETFH]) res(saved.r, o);
    expect(Buffer.from(saved.r.opaque(128)).equals(root)).toBe(true);
  });

  it("answers PUTFH with STALE for an unknown pseudo handle and BADHANDLE for garbage", async () => {
    const { client } = h();
    const pseudo = Buffer.alloc(9, 0x70);
    expect((await client.call([op.putfh(pseudo)])).status).toBe(k.NFS4ERR_STALE);
    expect((await client.call([op.putfh(Buffer.from([1, 2, 3]))])).status).toBe(k.NFS4ERR_BADHANDLE);
  });
});

import { describe, expect, it } from "vitest";
import { uniq } from "../../testing/fixtures.ts";
import type { XdrWriter } from "../../xdr/writer.ts";
import * as k from "../constants.ts";
import { Nfs4Client, type OpArg, op, readStateid, res, type Stateid } from "../testing/client.ts";
import { useNfs4 } from "../testing/harness.ts";

const h = useNfs4();
const WRITE_LT = 2;
const READ_LT = 1;
const ALL = 0xffff_ffff_ffff_ffffn;

const sid = (w: XdrWriter, s: Stateid) => w.uint32(s.seqid).fixedOpaque(s.other);
const lockExist =
  (type: number, offset: bigint, length: bigint, lock: Stateid): OpArg =>
  (w) => {
    w.uint32(k.OP_LOCK).uint32(type).bool(false).uint64(offset).uint64(length).bool(false);
    sid(w, lock);
    w.uint32(0);
  };
const lockt =
  (type: number, offset: bigint, length: bigint, owner: string): OpArg =>
  (w) =>
    w.uint32(k.OP_LOCKT).uint32(type).uint64(offset).uint64(length).uint64(0n).string(owner);
const locku =
  (lock: Stateid, offset: bigint, length: bigint): OpArg =>
  (w) => {
    w.uint32(k.OP_LOCKU).uint32(WRITE_LT).uint32(0);
    sid(w, lock);
    w.uint64(offset).uint64(length);
  };
const freeStateid =
  (s: Stateid): OpArg =>
  (w) => {
    w.uint32(k.OP_FREE_STATEID);
    sid(w, s);
  };
const openWith =
  (name: string, access: number, deny: number, owner: string, create = false): OpArg =>
  (w) => {
    w.uint32(k.OP_OPEN).uint32(0).uint32(access).uint32(deny).uint64(0n).string(owner);
    if (create) {
      w.uint32(k.OPEN4_CREATE).uint32(k.UNCHECKED4).uint32(0).opaque(Buffer.alloc(0));
    } else w.uint32(k.OPEN4_NOCREATE);
    w.uint32(k.CLAIM_NULL).string(name);
  };
const downgrade =
  (s: Stateid, access: number, deny: number): OpArg =>
  (w) => {
    w.uint32(k.OP_OPEN_DOWNGRADE);
    sid(w, s);
    w.uint32(0).uint32(access).uint32(deny);
  };

/** PUTFH(root) OPEN: its status, and the open stateid and file handle when it succeeded. */
async function tryOpen(
  c: Nfs4Client,
  name: string,
  o: { access?: number; deny?: number; create?: boolean } = {},
) {
  const rep = await c.call([
    op.putfh(h().root),
    openWith(name, o.access ?? k.OPEN4_SHARE_ACCESS_BOTH, o.deny ?? 0, "oo", o.create ?? false),
    op.getfh(),
  ]);
  if (rep.status !== k.NFS4_OK) return { status: rep.status } as const;
  res(rep.r, k.OP_PUTFH);
  res(rep.r, k.OP_OPEN);
  const stateid = readStateid(rep.r);
  rep.r.uint32();
  rep.r.uint64();
  rep.r.uint64();
  rep.r.uint32();
  rep.r.array(8, (x) => x.uint32());
  rep.r.uint32();
  res(rep.r, k.OP_GETFH);
  return { status: k.NFS4_OK, stateid, fh: Buffer.from(rep.r.opaque(128)) } as const;
}

async function open(
  c: Nfs4Client,
  name: string,
  o: Parameters<typeof tryOpen>[2] = {},
): Promise<{ status: number; stateid: Stateid; fh: Buffer }> {
  const r = await tryOpen(c, name, o);
  if (r.status !== k.NFS4_OK || r.stateid === undefined) throw new Error(`OPEN ${name}: ${r.status}`);
  return r;
}

async function other(): Promise<Nfs4Client> {
  const c = await Nfs4Client.connect(h().server.port);
  await c.createSession();
  return c;
}

/** The status of the last operation and its reader positioned after the status. */
async function last(c: Nfs4Client, fh: Buffer, o: OpArg, opnum: number) {
  const rep = await c.call([op.putfh(fh), o]);
  res(rep.r, k.OP_PUTFH);
  return { status: res(rep.r, opnum), r: rep.r };
}

describe("LOCK / LOCKT / LOCKU / FREE_STATEID (RFC 8881 §18.10–18.12, §18.38)", () => {
  it("conflicts between clients, names the holder, bumps seqids and unlocks", async () => {
    const a = h().client;
    const b = await other();
    try {
      const name = uniq();
      const oa = await open(a, name, { create: true });
      const ob = await open(b, name);
      const la = await last(a, oa.fh, op.lock(WRITE_LT, 0n, 100n, oa.stateid, "pa"), k.OP_LOCK);
      expect(la.status).toBe(k.NFS4_OK);
      const lockA = readStateid(la.r);
      expect(lockA.seqid).toBe(1);
      const lb = await last(b, ob.fh, op.lock(READ_LT, 50n, 1n, ob.stateid, "pb"), k.OP_LOCK);
      expect(lb.status).toBe(k.NFS4ERR_DENIED);
      expect([lb.r.uint64(), lb.r.uint64(), lb.r.uint32()]).toEqual([0n, 100n, WRITE_LT]);
      expect(lb.r.uint64()).toBe(a.clientId);
      expect(Buffer.from(lb.r.opaque(1024)).toString()).toBe("pa");
      expect((await last(b, ob.fh, lockt(READ_LT, 99n, ALL, "pb"), k.OP_LOCKT)).status).toBe(
        k.NFS4ERR_DENIED,
      );
      expect((await last(a, oa.fh, lockt(WRITE_LT, 0n, 1n, "pa"), k.OP_LOCKT)).status).toBe(k.NFS4_OK);
      // The v4 lock is on the file service's locks that NLM and SMB use, and the reverse.
      const f = h().server.ctx.files.resolve({ uid: 0, gid: 0, gids: [] }, oa.fh);
      expect(
        h().server.ctx.files.testLock(f, { owner: "nlm:x", kind: "shared", offset: 10n, length: 1n }),
      ).not.toBeNull();
      await h().server.ctx.files.lock(f, { owner: "smb:1:1:", kind: "exclusive", offset: 500n, length: 10n });
      const lsmb = await last(a, oa.fh, lockExist(WRITE_LT, 505n, 1n, lockA), k.OP_LOCK);
      expect(lsmb.status).toBe(k.NFS4ERR_DENIED);
      h().server.ctx.files.unlock(f, { owner: "smb:1:1:", offset: 500n, length: 10n });
      // FREE_STATEID of a lock stateid that holds a lock: LOCKS_HELD.
      expect((await last(a, oa.fh, freeStateid(lockA), k.OP_FREE_STATEID)).status).toBe(k.NFS4ERR_LOCKS_HELD);
      const u = await last(a, oa.fh, locku(lockA, 0n, ALL), k.OP_LOCKU);
      expect(u.status).toBe(k.NFS4_OK);
      const after = readStateid(u.r);
      expect(after.seqid).toBe(2);
      expect((await last(a, oa.fh, lockExist(WRITE_LT, 0n, 1n, lockA), k.OP_LOCK)).status).toBe(
        k.NFS4ERR_OLD_STATEID,
      );
      const lb2 = await last(b, ob.fh, op.lock(READ_LT, 50n, 1n, ob.stateid, "pb"), k.OP_LOCK);
      expect(lb2.status).toBe(k.NFS4_OK);
      // READ and WRITE accept a lock stateid.
      const lockB = readStateid(lb2.r);
      expect((await last(b, ob.fh, op.read(lockB, 0, 1), k.OP_READ)).status).toBe(k.NFS4_OK);
      expect((await last(a, oa.fh, freeStateid(after), k.OP_FREE_STATEID)).status).toBe(k.NFS4_OK);
      // CLOSE drops b's lock stateid and its lock.
      expect((await b.call([op.putfh(ob.fh), op.close(ob.stateid)])).status).toBe(k.NFS4_OK);
      expect(
        h().server.ctx.files.testLock(f, { owner: "x", kind: "exclusive", offset: 0n, length: 0n }),
      ).toBeNull();
      expect((await last(a, oa.fh, op.lock(WRITE_LT, 0n, 1n, oa.stateid, "pa"), k.OP_LOCK)).status).toBe(
        k.NFS4_OK,
      );
      expect((await last(a, oa.fh, op.lock(WRITE_LT, 0n, 0n, oa.stateid, "pa"), k.OP_LOCK)).status).toBe(
        k.NFS4ERR_INVAL,
      );
    } finally {
      b.close();
    }
  });

  it("refuses a write lock through a read-only open (OPENMODE)", async () => {
    const a = h().client;
    const name = uniq();
    await open(a, name, { create: true });
    await open(a, name, { access: k.OPEN4_SHARE_ACCESS_READ });
    const b = await other();
    try {
      const r = await open(b, name, { access: k.OPEN4_SHARE_ACCESS_READ });
      expect((await last(b, r.fh, op.lock(WRITE_LT, 0n, 1n, r.stateid, "q"), k.OP_LOCK)).status).toBe(
        k.NFS4ERR_OPENMODE,
      );
    } finally {
      b.close();
    }
  });
});

describe("OPEN share_deny and OPEN_DOWNGRADE (RFC 8881 §9.7, §18.18) across clients and SMB", () => {
  it("refuses a conflicting OPEN, honours SMB share modes and frees on downgrade", async () => {
    const a = h().client;
    const b = await other();
    try {
      const name = uniq();
      const oa = await open(a, name, { create: true, deny: 2 });
      expect((await tryOpen(b, name, { access: k.OPEN4_SHARE_ACCESS_WRITE })).status).toBe(
        k.NFS4ERR_SHARE_DENIED,
      );
      expect((await open(b, name, { access: k.OPEN4_SHARE_ACCESS_READ })).status).toBe(k.NFS4_OK);
      // An SMB open for writing is refused as well (the file service's one table).
      const f = h().server.ctx.files.resolve({ uid: 0, gid: 0, gids: [] }, oa.fh);
      expect(() => h().server.ctx.files.reserve(f, { owner: "smb:2:2:", access: 2, deny: 0 })).toThrow();
      const d = await last(
        a,
        oa.fh,
        downgrade(oa.stateid, k.OPEN4_SHARE_ACCESS_READ, 0),
        k.OP_OPEN_DOWNGRADE,
      );
      expect(d.status).toBe(k.NFS4_OK);
      expect(readStateid(d.r).seqid).toBe(oa.stateid.seqid + 1);
      expect((await open(b, name, { access: k.OPEN4_SHARE_ACCESS_WRITE })).status).toBe(k.NFS4_OK);
      // A downgrade to more than the open holds is INVAL.
      const bad = await last(
        a,
        oa.fh,
        downgrade({ ...oa.stateid, seqid: 0 }, k.OPEN4_SHARE_ACCESS_BOTH, 0),
        k.OP_OPEN_DOWNGRADE,
      );
      expect(bad.status).toBe(k.NFS4ERR_INVAL);
    } finally {
      b.close();
    }
  });
});

import { describe, expect, it } from "vitest";
import { uniq } from "../../testing/fixtures.ts";
import * as k from "../constants.ts";
import { OwnerSeqids } from "../state/owner-seqids.ts";
import {
  type Nfs4Client,
  type OpArg,
  op,
  readOpenResult,
  readStateid,
  res,
  type Stateid,
} from "../testing/client.ts";
import { useNfs4 } from "../testing/harness.ts";

const h = useNfs4();

/** A confirmed v4.0 clientid. */
function clientId40(c: Nfs4Client): Promise<bigint> {
  return c.setClientId40(uniq("v40"));
}

/** The COMPOUND's results after its status, tag and count: what a retransmission must repeat. */
function results(rep: { r: { buf: Buffer; offset: number } }): Buffer {
  return Buffer.from(rep.r.buf.subarray(rep.r.offset));
}

/** LOCK (WRITE_LT, 0..length) for a new lock-owner through `open`. */
function lockNew(
  open: Stateid,
  openSeqid: number,
  clientId: bigint,
  owner: string,
  lockSeqid: number,
): OpArg {
  return (w) => {
    w.uint32(k.OP_LOCK).uint32(2).bool(false).uint64(0n).uint64(100n).bool(true);
    w.uint32(openSeqid).uint32(open.seqid).fixedOpaque(open.other);
    w.uint32(lockSeqid).uint64(clientId).string(owner);
  };
}

/** LOCKU of 0..100 through lock stateid `lock`. */
function locku(lock: Stateid, seqid: number): OpArg {
  return (w) =>
    w
      .uint32(k.OP_LOCKU)
      .uint32(2)
      .uint32(seqid)
      .uint32(lock.seqid)
      .fixedOpaque(lock.other)
      .uint64(0n)
      .uint64(100n);
}

describe("v4.0 open-owner and lock-owner seqids (RFC 7530 §9.1.7)", () => {
  it("answers a retransmitted OPEN and CLOSE from the owner's last result and refuses a wrong seqid", async () => {
    const { client, root } = h();
    const clientId = await clientId40(client);
    const name = uniq("seq");
    const owner = uniq("oo");
    const open = (seqid: number) =>
      client.compound(0, [
        op.putfh(root),
        op.open(name, { create: true, clientId, owner, seqid }),
        op.getfh(),
      ]);
    const first = await open(7);
    expect(first.status).toBe(k.NFS4_OK);
    // The same seqid again: the kept OPEN result (a second OPEN would have bumped the stateid's
    // seqid), and the current filehandle it left for GETFH.
    const again = await open(7);
    expect(results(again).equals(results(first))).toBe(true);
    res(first.r, k.OP_PUTFH);
    res(first.r, k.OP_OPEN);
    const stateid = readOpenResult(first.r);
    expect(stateid.seqid).toBe(1);
    // Neither 7 nor 8: BAD_SEQID, and the owner's seqid stays at 7.
    expect((await open(10)).status).toBe(k.NFS4ERR_BAD_SEQID);
    const closed = await client.compound(0, [op.putfh(root), op.lookup(name), op.close(stateid, 8)]);
    expect(closed.status).toBe(k.NFS4_OK);
    // The open is gone, yet CLOSE's retransmission still gets its result, not BAD_STATEID.
    const closedAgain = await client.compound(0, [op.putfh(root), op.lookup(name), op.close(stateid, 8)]);
    expect(results(closedAgain).equals(results(closed))).toBe(true);
    expect((await client.compound(0, [op.putfh(root), op.lookup(name), op.close(stateid, 9)])).status).toBe(
      k.NFS4ERR_BAD_STATEID,
    );
  });

  it("keeps an error result too: a retransmitted OPEN that failed fails the same way", async () => {
    const { client, root } = h();
    const clientId = await clientId40(client);
    const name = uniq("later");
    const owner = uniq("oo");
    const open = (seqid: number, create: boolean) =>
      client.compound(0, [op.putfh(root), op.open(name, { create, clientId, owner, seqid })]);
    expect((await open(1, false)).status).toBe(k.NFS4ERR_NOENT);
    // The file appears (another owner creates it); the retransmission still gets NOENT.
    const other = await client.compound(0, [
      op.putfh(root),
      op.open(name, { create: true, clientId, owner: uniq("other") }),
    ]);
    expect(other.status).toBe(k.NFS4_OK);
    expect((await open(1, false)).status).toBe(k.NFS4ERR_NOENT);
    expect((await open(2, false)).status).toBe(k.NFS4_OK);
  });

  it("sequences LOCK and LOCKU on the lock-owner, starting at the first LOCK's lock_seqid", async () => {
    const { client, root } = h();
    const clientId = await clientId40(client);
    const name = uniq("lk");
    const opened = await client.compound(0, [
      op.putfh(root),
      op.open(name, { create: true, clientId, owner: uniq("oo"), seqid: 0 }),
    ]);
    res(opened.r, k.OP_PUTFH);
    res(opened.r, k.OP_OPEN);
    const open = readOpenResult(opened.r);
    const lockOwner = uniq("lo");
    const lock = () =>
      client.compound(0, [op.putfh(root), op.lookup(name), lockNew(open, 1, clientId, lockOwner, 20)]);
    const first = await lock();
    expect(first.status).toBe(k.NFS4_OK);
    expect(results(await lock()).equals(results(first))).toBe(true);
    res(first.r, k.OP_PUTFH);
    res(first.r, k.OP_LOOKUP);
    res(first.r, k.OP_LOCK);
    const lockStateid = readStateid(first.r);
    expect(lockStateid.seqid).toBe(1);
    const unlock = (seqid: number) =>
      client.compound(0, [op.putfh(root), op.lookup(name), locku(lockStateid, seqid)]);
    // lock_seqid 20 was the LOCK's: the lock-owner's next is 21.
    expect((await unlock(22)).status).toBe(k.NFS4ERR_BAD_SEQID);
    const u = await unlock(21);
    expect(u.status).toBe(k.NFS4_OK);
    expect(results(await unlock(21)).equals(results(u))).toBe(true);
    expect((await unlock(23)).status).toBe(k.NFS4ERR_BAD_SEQID);
  });
});

describe("OwnerSeqids (RFC 7530 §9.1.7, bounded)", () => {
  const result = { status: k.NFS4_OK, body: Buffer.alloc(4), fh: null };

  it("keeps one result per owner and forgets the least recently used owner past its limit", () => {
    const t = new OwnerSeqids(2);
    t.record("a", 1, result, null);
    t.record("b", 1, { ...result, status: k.NFS4ERR_NOENT }, null);
    t.record("a", 2, result, null);
    t.record("c", 1, result, Buffer.alloc(12, 1));
    expect(t.size).toBe(2);
    // "b" went first: any seqid is a new owner's; "a" still knows its last.
    expect(t.check("b", 99)).toBeNull();
    expect(t.check("a", 2)).toBe(result);
    expect(() => t.check("a", 1)).toThrow("seqid 1 after 2");
    expect(t.ownerOfStateid(Buffer.alloc(12, 1))).toBe("c");
  });
});

/**
 * NFSv4.0 and v4.1 COMPOUND frames for the fuzzer (bench/fuzz.ts, protocol "nfs4"). Valid
 * COMPOUNDs of 1-6 operations (state: a v4.0 client id from SETCLIENTID/_CONFIRM, one v4.1
 * session per lane whose slots' sequence ids the fuzzer tracks, so most SEQUENCEs are accepted and
 * the operations behind them run) on the export's handle, then mutated: the shared structural
 * mutations (bench/fuzz-mutate.ts) behind the SEQUENCE or anywhere, and COMPOUND-specific ones —
 * the op count set to boundary values or off by one, a thousand operations, a tag or an opaque
 * declaring a huge length, unknown op numbers, SEQUENCE repeated or misplaced. Sessions are made
 * again after every batch (`resync`), since a mutated SEQUENCE leaves its slot's count unknown.
 */

import { encodeCall } from "../apps/daemon/src/protocols/nfs/rpc/message.ts";
import { encodeRecord } from "../apps/daemon/src/protocols/nfs/rpc/record-marking.ts";
import * as a from "../apps/daemon/src/protocols/nfs/v4/attrs/numbers.ts";
import * as k from "../apps/daemon/src/protocols/nfs/v4/constants.ts";
import { Nfs4Client, op, res } from "../apps/daemon/src/protocols/nfs/v4/testing/client.ts";
import { bitmapOf, encodeBitmap } from "../apps/daemon/src/protocols/nfs/v4/types.ts";
import { XdrWriter } from "../apps/daemon/src/protocols/nfs/xdr/writer.ts";
import { frameRecord, mutate } from "./fuzz-mutate.ts";

type W = (w: XdrWriter) => void;
/** Slots asked for per session: frames spread over them, so a slot busy with a slow call is rare. */
const SLOTS = 32;
/** nfs_lock_type4 (RFC 7530 §16.10). */
const READ_LT = 1;
const WRITE_LT = 2;
const INTERESTING_COUNTS = [0, 1, 2, 63, 64, 65, 1000, 0x7fffffff, 0xffffffff];

interface LaneSession {
  id: Buffer;
  /** The sequence id each slot expects next, minus one. */
  seqs: number[];
}

/** SETCLIENTID (RFC 7530 §16.33) for client `id`, callback fields filled in. */
const setclientid =
  (id: string): W =>
  (w) =>
    w
      .uint32(k.OP_SETCLIENTID)
      .fixedOpaque(Buffer.alloc(8, 7))
      .string(id)
      .uint32(0x40000000)
      .string("tcp")
      .string("127.0.0.1.0.0")
      .uint32(1);

const stateid =
  (other: Buffer): W =>
  (w) =>
    w.uint32(0).fixedOpaque(other);

/** Operation encoders on the export's handle `fh` (client id `cid` for v4.0 state). */
function opSeeds(fh: Buffer, cid: () => bigint, rand: () => number): W[] {
  const other = () =>
    rand() < 0.5 ? Buffer.alloc(12) : Buffer.from(Array.from({ length: 12 }, () => rand() * 256));
  const name = () => `f${Math.floor(rand() * 8)}`;
  const attrs = (w: XdrWriter) => encodeBitmap(w, bitmapOf([a.FATTR4_SIZE, a.FATTR4_MODE, a.FATTR4_TYPE]));
  return [
    op.putrootfh(),
    op.putfh(fh),
    op.getfh(),
    op.savefh(),
    op.restorefh(),
    (w) => op.lookup(name())(w),
    op.lookupp(),
    (w) => op.getattr([a.FATTR4_SIZE, a.FATTR4_MODE, a.FATTR4_TYPE, a.FATTR4_FILEID])(w),
    op.access(0x3f),
    (w) => op.remove(name())(w),
    (w) => op.rename(name(), name())(w),
    (w) => op.mkdir(name())(w),
    op.readlink(),
    (w) => op.readdir(0n, Buffer.alloc(8), 4096, [a.FATTR4_TYPE, a.FATTR4_SIZE])(w),
    (w) => op.open(name(), { create: rand() < 0.5, clientId: cid(), owner: `o${Math.floor(rand() * 4)}` })(w),
    (w) => op.read({ seqid: 0, other: other() }, 0, 4096)(w),
    (w) => op.write({ seqid: 0, other: other() }, 0, Buffer.from("fuzz"))(w),
    (w) => op.close({ seqid: 1, other: other() })(w),
    op.commit(),
    (w) => op.lock(WRITE_LT, 0n, 100n, { seqid: 1, other: other() }, `l${Math.floor(rand() * 4)}`)(w),
    (w) => w.uint32(k.OP_LOCKT).uint32(READ_LT).uint64(0n).uint64(10n).uint64(cid()).string("lt"),
    (w) => w.uint32(k.OP_LOCKU).uint32(WRITE_LT).uint32(1).fixedOpaque(other()).uint64(0n).uint64(100n),
    (w) => w.uint32(k.OP_OPEN_DOWNGRADE).uint32(1).fixedOpaque(other()).uint32(1).uint32(1).uint32(0),
    (w) => {
      w.uint32(k.OP_SETATTR);
      stateid(other())(w);
      encodeBitmap(w, bitmapOf([a.FATTR4_SIZE]));
      w.opaque(Buffer.from([0, 0, 0, 0, 0, 0, 0, 9]));
    },
    (w) => {
      w.uint32(k.OP_VERIFY);
      attrs(w);
      w.opaque(Buffer.alloc(16));
    },
    (w) => w.uint32(k.OP_SECINFO).string(name()),
    (w) => w.uint32(k.OP_SECINFO_NO_NAME).uint32(0),
    (w) => w.uint32(k.OP_RENEW).uint64(cid()),
    (w) => w.uint32(k.OP_RELEASE_LOCKOWNER).uint64(cid()).string("lo"),
    setclientid(`fuzz-${Math.floor(rand() * 4)}`),
    (w) => w.uint32(k.OP_SETCLIENTID_CONFIRM).uint64(cid()).fixedOpaque(Buffer.alloc(8)),
    (w) =>
      w.uint32(k.OP_TEST_STATEID).uint32(2).uint32(0).fixedOpaque(other()).uint32(0).fixedOpaque(other()),
    (w) => w.uint32(k.OP_FREE_STATEID).uint32(0).fixedOpaque(other()),
    (w) => w.uint32(k.OP_RECLAIM_COMPLETE).bool(false),
    (w) =>
      w
        .uint32(k.OP_EXCHANGE_ID)
        .fixedOpaque(Buffer.alloc(8, 2))
        .string(`fuzz-x${Math.floor(rand() * 4)}`)
        .uint32(0)
        .uint32(k.SP4_NONE)
        .uint32(0),
    (w) => w.uint32(k.OP_DESTROY_CLIENTID).uint64(cid()),
    (w) => w.uint32(Math.floor(rand() * 80)),
  ];
}

export class Nfs4Fuzz {
  private sessions: LaneSession[] = [];
  private cid = 0n;
  private seeds: W[] = [];

  private constructor(
    private readonly control: Nfs4Client,
    private readonly lanes: number,
    private readonly rand: () => number,
  ) {}

  /** A control connection makes the v4.0 client id and one v4.1 session per lane. */
  static async start(port: number, lanes: number, rand: () => number): Promise<Nfs4Fuzz> {
    const f = new Nfs4Fuzz(await Nfs4Client.connect(port), lanes, rand);
    const fh = await f.rootHandle();
    f.seeds = opSeeds(fh, () => f.cid, rand);
    await f.resync();
    return f;
  }

  close(): void {
    this.control.close();
  }

  private async rootHandle(): Promise<Buffer> {
    const rep = await this.control.compound(0, [op.putrootfh(), op.lookup("export"), op.getfh()]);
    if (rep.status !== k.NFS4_OK) throw new Error(`nfs4 fuzz: LOOKUP export: ${rep.status}`);
    res(rep.r, k.OP_PUTROOTFH);
    res(rep.r, k.OP_LOOKUP);
    res(rep.r, k.OP_GETFH);
    return Buffer.from(rep.r.opaque(128));
  }

  /** New sessions for every lane (the old ones are destroyed) and a confirmed v4.0 client id. */
  async resync(): Promise<void> {
    for (const s of this.sessions) {
      await this.control.compound(1, [(w) => w.uint32(k.OP_DESTROY_SESSION).fixedOpaque(s.id)]);
    }
    this.sessions = [];
    for (let i = 0; i < this.lanes; i++) {
      await this.control.createSession(`fuzz-lane-${i}`, SLOTS);
      this.sessions.push({ id: this.control.sessionId!, seqs: Array(SLOTS).fill(0) });
    }
    const sc = await this.control.compound(0, [setclientid("fuzz-v40")]);
    if (res(sc.r, k.OP_SETCLIENTID) === k.NFS4_OK) {
      this.cid = sc.r.uint64();
      const verifier = Buffer.from(sc.r.fixedOpaque(8));
      const cid = this.cid;
      await this.control.compound(0, [
        (w) => w.uint32(k.OP_SETCLIENTID_CONFIRM).uint64(cid).fixedOpaque(verifier),
      ]);
    }
  }

  /** One framed COMPOUND record for lane `lane`, valid or mutated. */
  frame(lane: number, xid: number): Buffer {
    const rand = this.rand;
    const pick = (n: number) => Math.floor(rand() * n);
    const minor = rand() < 0.4 ? 0 : 1;
    const ops: W[] = Array.from({ length: 1 + pick(6) }, () => this.seeds[pick(this.seeds.length)]!);
    const w = encodeCall(new XdrWriter(), {
      xid,
      prog: 100003,
      vers: k.NFS_V4,
      proc: k.NFSPROC4_COMPOUND,
      auth: { stamp: 1, machineName: "fuzz", uid: 0, gid: 0, gids: [] },
    });
    const countAt = w.length + 4 + 4 + 4; // tag "fuzz" (length + 4 bytes), minorversion
    w.string("fuzz")
      .uint32(minor)
      .uint32(ops.length + minor);
    if (minor === 1) {
      const s = this.sessions[lane % this.sessions.length]!;
      const slot = pick(SLOTS);
      s.seqs[slot] = (s.seqs[slot]! + 1) >>> 0;
      w.uint32(k.OP_SEQUENCE)
        .fixedOpaque(s.id)
        .uint32(s.seqs[slot]!)
        .uint32(slot)
        .uint32(SLOTS - 1)
        .bool(rand() < 0.5);
    }
    // Most mutations land behind the RPC header (a bad one only closes the connection, and with it
    // every frame queued behind) and, in v4.1, behind a SEQUENCE the session accepts.
    const argsAt = countAt - 12;
    const protect = minor === 1 && rand() < 0.7 ? w.length : rand() < 0.98 ? argsAt : 4;
    for (const o of ops) o(w);
    let rec = w.toBuffer();
    const r = rand();
    if (r < 0.1) rec.writeUInt32BE(INTERESTING_COUNTS[pick(INTERESTING_COUNTS.length)]! >>> 0, countAt);
    else if (r < 0.12) rec = this.manyOps(rec, countAt);
    else if (r < 0.15)
      rec = Buffer.concat([rec.subarray(0, argsAt), u32(0xfffffff0), rec.subarray(argsAt + 4)]);
    if (rand() < 0.8) rec = mutate(rec, rand, protect);
    // Record marks split or lying (frameRecord) in 2% of frames: a lie closes the connection.
    return rand() < 0.98 ? encodeRecord(rec) : frameRecord(rec, rand);
  }

  /** The COMPOUND with a thousand PUTROOTFHs appended and counted. */
  private manyOps(rec: Buffer, countAt: number): Buffer {
    const extra = Buffer.alloc(4000);
    for (let i = 0; i < 1000; i++) extra.writeUInt32BE(k.OP_PUTROOTFH, i * 4);
    const out = Buffer.concat([rec, extra]);
    out.writeUInt32BE(rec.readUInt32BE(countAt) + 1000, countAt);
    return out;
  }
}

function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0, 0);
  return b;
}

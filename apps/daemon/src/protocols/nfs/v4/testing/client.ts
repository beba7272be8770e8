/**
 * An NFSv4 test client over the project's RPC client: COMPOUNDs built from operation encoders,
 * replies read result by result, and a v4.1 session (EXCHANGE_ID, CREATE_SESSION, then SEQUENCE
 * in front of every COMPOUND). Tests speak to the server exactly as a remote client would.
 */
import { RpcClient } from "../../rpc/client.ts";
import { NFS_PROGRAM } from "../../rpc/constants.ts";
import type { AuthSys } from "../../rpc/message.ts";
import { XdrReader } from "../../xdr/reader.ts";
import type { XdrWriter } from "../../xdr/writer.ts";
import * as k from "../constants.ts";
import { decodeChannel, encodeChannel } from "../ops/create-session.ts";
import type { ChannelAttrs } from "../state/sessions.ts";
import { type Bitmap4, bitmapOf, decodeBitmap, encodeBitmap } from "../types.ts";

export type OpArg = (w: XdrWriter) => void;

export const ROOT: AuthSys = { stamp: 0, machineName: "test", uid: 0, gid: 0, gids: [] };

export interface CompoundReply {
  status: number;
  tag: string;
  count: number;
  /** Positioned at the first result. */
  r: XdrReader;
}

/** Reads one result header: the operation number must be `op`; returns its status. */
export function res(r: XdrReader, op: number): number {
  const got = r.uint32();
  if (got !== op) throw new Error(`result for op ${got}, expected ${op}`);
  return r.uint32();
}

/** Operation encoders. */
export const op = {
  putrootfh: (): OpArg => (w) => w.uint32(k.OP_PUTROOTFH),
  putpubfh: (): OpArg => (w) => w.uint32(k.OP_PUTPUBFH),
  putfh:
    (fh: Buffer): OpArg =>
    (w) =>
      w.uint32(k.OP_PUTFH).opaque(fh),
  getfh: (): OpArg => (w) => w.uint32(k.OP_GETFH),
  savefh: (): OpArg => (w) => w.uint32(k.OP_SAVEFH),
  restorefh: (): OpArg => (w) => w.uint32(k.OP_RESTOREFH),
  lookup:
    (name: string): OpArg =>
    (w) =>
      w.uint32(k.OP_LOOKUP).string(name),
  lookupp: (): OpArg => (w) => w.uint32(k.OP_LOOKUPP),
  getattr:
    (attrs: number[]): OpArg =>
    (w) => {
      w.uint32(k.OP_GETATTR);
      encodeBitmap(w, bitmapOf(attrs));
    },
  access:
    (mask: number): OpArg =>
    (w) =>
      w.uint32(k.OP_ACCESS).uint32(mask),
  remove:
    (name: string): OpArg =>
    (w) =>
      w.uint32(k.OP_REMOVE).string(name),
  rename:
    (from: string, to: string): OpArg =>
    (w) =>
      w.uint32(k.OP_RENAME).string(from).string(to),
  link:
    (name: string): OpArg =>
    (w) =>
      w.uint32(k.OP_LINK).string(name),
  readlink: (): OpArg => (w) => w.uint32(k.OP_READLINK),
  mkdir:
    (name: string): OpArg =>
    (w) => {
      w.uint32(k.OP_CREATE).uint32(k.NF4DIR).string(name);
      encodeBitmap(w, []);
      w.opaque(Buffer.alloc(0));
    },
  symlink:
    (name: string, target: string): OpArg =>
    (w) => {
      w.uint32(k.OP_CREATE).uint32(k.NF4LNK).string(target).string(name);
      encodeBitmap(w, []);
      w.opaque(Buffer.alloc(0));
    },
  /** OPEN4_CREATE UNCHECKED4 (or NOCREATE) by name, for share access `access` denying `deny`. */
  open:
    (
      name: string,
      o: {
        create?: boolean;
        access?: number;
        deny?: number;
        clientId?: bigint;
        owner?: string;
        seqid?: number;
      } = {},
    ): OpArg =>
    (w) => {
      w.uint32(k.OP_OPEN)
        .uint32(o.seqid ?? 0)
        .uint32(o.access ?? k.OPEN4_SHARE_ACCESS_BOTH)
        .uint32(o.deny ?? 0);
      w.uint64(o.clientId ?? 0n).string(o.owner ?? "owner");
      if (o.create) {
        w.uint32(k.OPEN4_CREATE).uint32(k.UNCHECKED4);
        encodeBitmap(w, []);
        w.opaque(Buffer.alloc(0));
      } else w.uint32(k.OPEN4_NOCREATE);
      w.uint32(k.CLAIM_NULL).string(name);
    },
  close:
    (stateid: Stateid, seqid = 0): OpArg =>
    (w) =>
      w.uint32(k.OP_CLOSE).uint32(seqid).uint32(stateid.seqid).fixedOpaque(stateid.other),
  write:
    (stateid: Stateid, offset: number, data: Buffer, stable = k.FILE_SYNC4): OpArg =>
    (w) =>
      w
        .uint32(k.OP_WRITE)
        .uint32(stateid.seqid)
        .fixedOpaque(stateid.other)
        .uint64(offset)
        .uint32(stable)
        .opaque(data),
  read:
    (stateid: Stateid, offset: number, count: number): OpArg =>
    (w) =>
      w.uint32(k.OP_READ).uint32(stateid.seqid).fixedOpaque(stateid.other).uint64(offset).uint32(count),
  commit: (): OpArg => (w) => w.uint32(k.OP_COMMIT).uint64(0).uint32(0),
  /** LOCK (not a reclaim) by a new lock-owner `owner` from the open stateid `open` (open_to_lock_owner4). */
  lock:
    (type: number, offset: bigint, length: bigint, open: Stateid, owner: string): OpArg =>
    (w) => {
      w.uint32(k.OP_LOCK).uint32(type).bool(false).uint64(offset).uint64(length).bool(true).uint32(0);
      w.uint32(open.seqid).fixedOpaque(open.other);
      w.uint32(0).uint64(0n).string(owner);
    },
  readdir:
    (cookie: bigint, verifier: Buffer, maxcount: number, attrs: number[], dircount = maxcount): OpArg =>
    (w) => {
      w.uint32(k.OP_READDIR).uint64(cookie).fixedOpaque(verifier).uint32(dircount).uint32(maxcount);
      encodeBitmap(w, bitmapOf(attrs));
    },
  raw:
    (opnum: number): OpArg =>
    (w) =>
      w.uint32(opnum),
};

export interface Stateid {
  seqid: number;
  other: Buffer;
}

export const ANONYMOUS_STATEID: Stateid = { seqid: 0, other: Buffer.alloc(12) };

export function readStateid(r: XdrReader): Stateid {
  return { seqid: r.uint32(), other: Buffer.from(r.fixedOpaque(12)) };
}

/** OPEN4resok: the open stateid; change info, flags, attrset and delegation skipped. */
export function readOpenResult(r: XdrReader): Stateid {
  const stateid = readStateid(r);
  r.uint32();
  r.uint64();
  r.uint64();
  r.uint32();
  r.array(8, (x) => x.uint32());
  r.uint32();
  return stateid;
}

/** Skips a fattr4 and returns its bitmap and values. */
export function readFattr(r: XdrReader): { mask: Bitmap4; vals: XdrReader } {
  const mask = decodeBitmap(r);
  return { mask, vals: new XdrReader(Buffer.from(r.opaque(65536))) };
}

/** The fore channel a test session asks for unless told otherwise. */
const DEFAULT_CHANNEL: ChannelAttrs = {
  headerPadSize: 0,
  maxRequestSize: 1 << 20,
  maxResponseSize: 1 << 20,
  maxResponseSizeCached: 8192,
  maxOperations: 16,
  maxRequests: 4,
};

export class Nfs4Client {
  auth: AuthSys = ROOT;
  sessionId: Buffer | null = null;
  clientId = 0n;
  private seq = 0;

  constructor(readonly rpc: RpcClient) {}

  static async connect(port: number): Promise<Nfs4Client> {
    return new Nfs4Client(await RpcClient.connect(port));
  }

  close(): void {
    this.rpc.close();
  }

  async compound(minor: number, ops: OpArg[], tag = "t"): Promise<CompoundReply> {
    const r = await this.rpc.call(
      NFS_PROGRAM,
      k.NFS_V4,
      k.NFSPROC4_COMPOUND,
      (w) => {
        w.string(tag).uint32(minor).uint32(ops.length);
        for (const o of ops) o(w);
      },
      this.auth,
    );
    return { status: r.uint32(), tag: r.string(1024), count: r.uint32(), r };
  }

  /**
   * EXCHANGE_ID + CREATE_SESSION (v4.1): later `call`s run in the session. `fore` overrides the
   * fore channel asked for; resolves the fore channel granted.
   */
  async createSession(
    owner = `client-${Math.random()}`,
    slots = 4,
    fore: Partial<ChannelAttrs> = {},
  ): Promise<ChannelAttrs> {
    const x = await this.compound(1, [
      (w) => {
        w.uint32(k.OP_EXCHANGE_ID).fixedOpaque(Buffer.alloc(8, 1)).string(owner).uint32(0);
        w.uint32(k.SP4_NONE).uint32(0);
      },
    ]);
    if (res(x.r, k.OP_EXCHANGE_ID) !== k.NFS4_OK) throw new Error("EXCHANGE_ID failed");
    this.clientId = x.r.uint64();
    const csSeq = x.r.uint32();
    const ask: ChannelAttrs = { ...DEFAULT_CHANNEL, maxRequests: slots, ...fore };
    const cs = await this.compound(1, [
      (w) => {
        w.uint32(k.OP_CREATE_SESSION).uint64(this.clientId).uint32(csSeq).uint32(0);
        encodeChannel(w, ask);
        encodeChannel(w, { ...DEFAULT_CHANNEL, maxRequests: slots });
        w.uint32(0x40000000).uint32(1).uint32(0);
      },
    ]);
    const st = res(cs.r, k.OP_CREATE_SESSION);
    if (st !== k.NFS4_OK) throw new Error(`CREATE_SESSION failed: ${st}`);
    this.sessionId = Buffer.from(cs.r.fixedOpaque(16));
    cs.r.uint32();
    cs.r.uint32();
    this.seq = 0;
    return decodeChannel(cs.r);
  }

  /** v4.0 SETCLIENTID + SETCLIENTID_CONFIRM for the client string `id`: a confirmed clientid. */
  async setClientId40(id: string): Promise<bigint> {
    const set = await this.compound(0, [
      (w) => {
        w.uint32(k.OP_SETCLIENTID).fixedOpaque(Buffer.alloc(8, 9)).string(id);
        w.uint32(0x40000000).string("tcp").string("127.0.0.1.3.4").uint32(1);
      },
    ]);
    const st = res(set.r, k.OP_SETCLIENTID);
    if (st !== k.NFS4_OK) throw new Error(`SETCLIENTID failed: ${st}`);
    const clientId = set.r.uint64();
    const verifier = Buffer.from(set.r.fixedOpaque(8));
    const ok = await this.compound(0, [
      (w) => w.uint32(k.OP_SETCLIENTID_CONFIRM).uint64(clientId).fixedOpaque(verifier),
    ]);
    if (ok.status !== k.NFS4_OK) throw new Error(`SETCLIENTID_CONFIRM failed: ${ok.status}`);
    return clientId;
  }

  /** The sequence id the last `sequence()` used. */
  get lastSeq(): number {
    return this.seq;
  }

  /** SEQUENCE op for slot 0 with the next sequence id (or `seq` to replay one). */
  sequence(seq?: number, slot = 0, cacheThis = false): OpArg {
    const id = this.sessionId;
    if (id === null) throw new Error("no session");
    const s = seq ?? ++this.seq;
    return (w) => w.uint32(k.OP_SEQUENCE).fixedOpaque(id).uint32(s).uint32(slot).uint32(0).bool(cacheThis);
  }

  /** A v4.1 COMPOUND in the session; the SEQUENCE result is read and checked. */
  async call(ops: OpArg[], minor = 1): Promise<CompoundReply> {
    const rep = await this.compound(minor, [this.sequence(), ...ops]);
    const st = res(rep.r, k.OP_SEQUENCE);
    if (st !== k.NFS4_OK) throw new Error(`SEQUENCE failed: ${st}`);
    rep.r.fixedOpaque(16);
    for (let i = 0; i < 5; i++) rep.r.uint32();
    return rep;
  }

  /** PUTROOTFH + LOOKUP of each component + GETFH: the handle of `path`. */
  async walk(path: string): Promise<Buffer> {
    const parts = path.split("/").filter((p) => p !== "");
    const rep = await this.call([op.putrootfh(), ...parts.map((p) => op.lookup(p)), op.getfh()]);
    if (rep.status !== k.NFS4_OK) throw new Error(`walk ${path}: ${rep.status}`);
    res(rep.r, k.OP_PUTROOTFH);
    for (const _ of parts) res(rep.r, k.OP_LOOKUP);
    res(rep.r, k.OP_GETFH);
    return Buffer.from(rep.r.opaque(128));
  }
}

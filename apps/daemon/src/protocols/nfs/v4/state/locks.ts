/**
 * NFSv4 byte-range lock state (RFC 8881 §8.2, §9; RFC 7530 §9): lock stateids, one per lock-owner
 * and file, whose seqid goes up with every LOCK and LOCKU, over the file service's locks, so NLM
 * and SMB see v4 locks and the reverse (docs/architecture.md "Locks and share reservations").
 * The lock operations (LOCK, LOCKT, LOCKU, RELEASE_LOCKOWNER, FREE_STATEID on a lock stateid)
 * call this table and map its StateError codes (state-error.ts) to NFS4ERR_* in one place.
 *
 * The server never blocks a LOCK: a conflict is DENIED and the client polls (READW_LT/WRITEW_LT
 * are served as READ_LT/WRITE_LT, as RFC 8881 §9.6 allows).
 */
import type { FileService } from "../../../../files/service.ts";
import type { FileCall } from "../../../../files/types.ts";
import type { LockKind, LockRange } from "../../../../metadata/lock-types.ts";
import { StateError } from "./state-error.ts";

/** RFC 8881 §3.2: the largest offset; a length of all ones means "to the end of the file". */
export const NFS4_UINT64_MAX = 0xffff_ffff_ffff_ffffn;
/** Lock stateids this adapter keeps (each is one lock-owner on one file). */
export const NFS4_LOCK_STATEIDS_MAX = 100_000;
/** Lock stateids one client keeps: one client naming new lock-owners cannot take them all. */
export const NFS4_LOCK_STATEIDS_PER_CLIENT_MAX = 16 * 1024;
const OTHER_BYTES = 12;

export interface LockStateid {
  seqid: number;
  other: Buffer;
}

/** lock_owner4 (RFC 8881 §3.3.8). */
export interface LockOwner4 {
  clientId: bigint;
  owner: Buffer;
}

/** LOCK4denied: the conflicting lock, its owner as the client would name it. */
export interface LockDenied {
  offset: bigint;
  length: bigint;
  exclusive: boolean;
  owner: LockOwner4;
}

export interface LockState {
  other: Buffer;
  seqid: number;
  clientId: bigint;
  /** lock_owner4.owner as hex. */
  owner: string;
  file: FileCall;
  /** The open stateid (`other` as hex) the lock-owner's first LOCK named; CLOSE releases it. */
  open: string;
}

/** The file service owner of every lock and reservation of a client: releaseOwner by it. */
export function clientPrefix(clientId: bigint): string {
  return `nfs4:${clientId.toString(16)}:`;
}

function lockOwnerString(clientId: bigint, ownerHex: string): string {
  return `${clientPrefix(clientId)}lock:${ownerHex}:`;
}

const OWNER_PATTERN = /^nfs4:([0-9a-f]+):lock:([0-9a-f]*):$/;

/** LOCK4denied.owner for a file-service owner: ours parsed back, NLM/SMB owners as their name. */
function deniedOwner(owner: string): LockOwner4 {
  const m = OWNER_PATTERN.exec(owner);
  if (m) return { clientId: BigInt(`0x${m[1]}`), owner: Buffer.from(m[2]!, "hex") };
  return { clientId: 0n, owner: Buffer.from(owner) };
}

/**
 * offset4/length4 as a file-service range (RFC 8881 §18.10.4): length 0 or past 2^64 is INVAL;
 * all ones is "to the end" (0).
 */
export function lockRange(offset: bigint, length: bigint): { offset: bigint; length: bigint } {
  if (length === 0n) throw new StateError("INVAL", "zero lock length");
  if (length === NFS4_UINT64_MAX) return { offset, length: 0n };
  if (offset + length > NFS4_UINT64_MAX + 1n) throw new StateError("INVAL", "lock range past 2^64");
  return { offset, length };
}

function denied(h: LockRange): LockDenied {
  return {
    offset: h.offset,
    length: h.length === 0n && h.windows !== true ? NFS4_UINT64_MAX : h.length,
    exclusive: h.kind === "exclusive",
    owner: deniedOwner(h.owner),
  };
}

export interface LockRequest4 {
  exclusive: boolean;
  offset: bigint;
  length: bigint;
  /** LOCK4args.reclaim: taken again in the grace period (locking.ts checked it may be). */
  reclaim?: boolean;
}

export class LockStateTable {
  private readonly byOther = new Map<string, LockState>();
  private readonly byOwnerFile = new Map<string, LockState>();
  /** Lock stateids per client (NFS4_LOCK_STATEIDS_PER_CLIENT_MAX). */
  private readonly perClient = new Map<bigint, number>();
  private counter = 0n;

  /**
   * `epoch` goes in the first 4 bytes of each stateid's `other` (stale after a restart); the
   * counter's top bit marks a lock stateid, so it never equals an open stateid of this epoch.
   */
  constructor(
    private readonly files: FileService,
    private readonly epoch: number,
  ) {}

  get size(): number {
    return this.byOther.size;
  }

  private newOther(): Buffer {
    const b = Buffer.alloc(OTHER_BYTES);
    b.writeUInt32BE(this.epoch >>> 0, 0);
    b.writeBigUInt64BE((1n << 63n) | ++this.counter, 4);
    return b;
  }

  /** open_to_lock_owner4: the lock-owner's stateid for the file, made on its first LOCK. */
  forOwner(owner: LockOwner4, file: FileCall, openOther: Buffer): LockState {
    const hex = owner.owner.toString("hex");
    const key = `${owner.clientId}:${hex}:${file.handle.toString("hex")}`;
    const had = this.byOwnerFile.get(key);
    if (had !== undefined) return had;
    const mine = this.perClient.get(owner.clientId) ?? 0;
    if (this.byOther.size >= NFS4_LOCK_STATEIDS_MAX || mine >= NFS4_LOCK_STATEIDS_PER_CLIENT_MAX)
      throw new StateError("RESOURCE", "too many lock stateids");
    this.perClient.set(owner.clientId, mine + 1);
    const st: LockState = {
      other: this.newOther(),
      seqid: 0,
      clientId: owner.clientId,
      owner: hex,
      file,
      open: openOther.toString("hex"),
    };
    this.byOther.set(st.other.toString("hex"), st);
    this.byOwnerFile.set(key, st);
    return st;
  }

  /**
   * exist_lock_owner4 / LOCKU / FREE_STATEID: the lock stateid `s` names. A seqid 0 (v4.1: "the
   * current one") skips the check; an older one is OLD_STATEID, any other mismatch BAD_STATEID.
   */
  find(s: LockStateid, key = s.other.toString("hex")): LockState {
    const st = this.byOther.get(key);
    if (st === undefined) throw new StateError("BAD_STATEID", "no such lock stateid");
    if (s.seqid !== 0 && s.seqid !== st.seqid) {
      throw new StateError(s.seqid < st.seqid ? "OLD_STATEID" : "BAD_STATEID");
    }
    return st;
  }

  /** Is `other` a lock stateid of this table (READ/WRITE may name one)? */
  has(other: Buffer): boolean {
    return this.byOther.has(other.toString("hex"));
  }

  /** `has` for an `other` already in hex (the key every table here uses). */
  hasKey(key: string): boolean {
    return this.byOther.has(key);
  }

  /**
   * LOCK: the range for the stateid's lock-owner, or the conflicting lock (nothing changes).
   * `openAccess` is the open's OPEN4_SHARE_ACCESS bits: a write lock needs write access
   * (RFC 8881 §18.10.4, NFS4ERR_OPENMODE).
   */
  async lock(st: LockState, r: LockRequest4, openAccess: number): Promise<LockStateid | LockDenied> {
    if (r.exclusive && (openAccess & 2) === 0) throw new StateError("OPENMODE", "write lock on a read open");
    const range = lockRange(r.offset, r.length);
    const kind: LockKind = r.exclusive ? "exclusive" : "shared";
    const owner = lockOwnerString(st.clientId, st.owner);
    const holder = this.files.testLock(st.file, { owner, kind, ...range });
    if (holder !== null) return denied(holder);
    await this.files.lock(st.file, { owner, kind, ...range, reclaim: r.reclaim === true });
    return this.bump(st);
  }

  /** LOCKT: the conflicting lock for `owner`, or null. */
  test(file: FileCall, owner: LockOwner4, r: LockRequest4): LockDenied | null {
    const range = lockRange(r.offset, r.length);
    const kind: LockKind = r.exclusive ? "exclusive" : "shared";
    const holder = this.files.testLock(file, {
      owner: lockOwnerString(owner.clientId, owner.owner.toString("hex")),
      kind,
      ...range,
    });
    return holder === null ? null : denied(holder);
  }

  /** LOCKU: the owner's coverage of the range goes; unlocking what is not held is not an error. */
  unlock(st: LockState, offset: bigint, length: bigint): LockStateid {
    const range = lockRange(offset, length);
    this.files.unlock(st.file, { owner: lockOwnerString(st.clientId, st.owner), ...range });
    return this.bump(st);
  }

  /** FREE_STATEID of a lock stateid: LOCKS_HELD while it holds a lock. */
  free(st: LockState): void {
    if (this.files.locksOf(st.file, lockOwnerString(st.clientId, st.owner)).length > 0) {
      throw new StateError("LOCKS_HELD");
    }
    this.drop(st);
  }

  /** RELEASE_LOCKOWNER (RFC 8881 §18.24 for v4.0): LOCKS_HELD while any of its stateids holds a lock. */
  releaseLockOwner(owner: LockOwner4): void {
    const hex = owner.owner.toString("hex");
    const mine = [...this.byOther.values()].filter((s) => s.clientId === owner.clientId && s.owner === hex);
    const name = lockOwnerString(owner.clientId, hex);
    if (mine.some((s) => this.files.locksOf(s.file, name).length > 0)) throw new StateError("LOCKS_HELD");
    for (const s of mine) this.drop(s);
  }

  /** CLOSE of an open: the lock stateids made from it go, with their locks (as Linux nfsd does). */
  closeOpen(openOther: Buffer): void {
    const hex = openOther.toString("hex");
    for (const s of [...this.byOther.values()]) {
      if (s.open !== hex) continue;
      this.files.releaseOwner(lockOwnerString(s.clientId, s.owner));
      this.drop(s);
    }
  }

  /** A client gone (lease expired, DESTROY_CLIENTID, rebooted): its lock stateids and locks. */
  forgetClient(clientId: bigint): void {
    for (const s of [...this.byOther.values()]) if (s.clientId === clientId) this.drop(s);
    this.files.releaseOwner(`${clientPrefix(clientId)}lock:`);
  }

  private bump(st: LockState): LockStateid {
    st.seqid = (st.seqid + 1) >>> 0 || 1;
    return { seqid: st.seqid, other: st.other };
  }

  private drop(st: LockState): void {
    if (!this.byOther.delete(st.other.toString("hex"))) return;
    const n = (this.perClient.get(st.clientId) ?? 1) - 1;
    if (n > 0) this.perClient.set(st.clientId, n);
    else this.perClient.delete(st.clientId);
    this.byOwnerFile.delete(`${st.clientId}:${st.owner}:${st.file.handle.toString("hex")}`);
  }
}

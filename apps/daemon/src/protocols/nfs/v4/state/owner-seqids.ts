/**
 * v4.0 open-owner and lock-owner sequence ids (RFC 7530 §9.1.7): every OPEN, OPEN_CONFIRM,
 * OPEN_DOWNGRADE, CLOSE, LOCK and LOCKU carries its owner's next seqid. The owner's last seqid
 * and the result it got are kept: the same seqid again is a retransmission and gets that result
 * back without running; anything but last + 1 is NFS4ERR_BAD_SEQID. Only the last result is kept
 * per owner, and at most NFS4_SEQID_OWNERS_MAX owners: the least recently used is forgotten
 * first, after which that owner starts afresh (its next seqid is taken as given, as a new
 * owner's is). v4.1 has sessions instead and ignores these seqids (RFC 8881 §8.13).
 */
import {
  NFS4ERR_BAD_SEQID,
  NFS4ERR_BAD_STATEID,
  NFS4ERR_BADXDR,
  NFS4ERR_MOVED,
  NFS4ERR_NOFILEHANDLE,
  NFS4ERR_RESOURCE,
  NFS4ERR_STALE_CLIENTID,
  NFS4ERR_STALE_STATEID,
} from "../constants.ts";
import { Nfs4Error } from "../status.ts";

/**
 * Owners whose last seqid and result are kept. Each holds one encoded result (a LOCK4denied with
 * a 1 KiB owner at most), a filehandle and its key (an owner of up to NFS4_OPAQUE_LIMIT bytes, as
 * hex): under 4 KiB, so a hostile client's worst case is about 16 MiB; a forgotten owner only
 * loses its retransmission protection.
 */
export const NFS4_SEQID_OWNERS_MAX = 4096;

/** RFC 7530 §9.1.7: the errors after which the owner's seqid stays where it was. */
const SEQID_KEEPING = new Set([
  NFS4ERR_STALE_CLIENTID,
  NFS4ERR_STALE_STATEID,
  NFS4ERR_BAD_STATEID,
  NFS4ERR_BAD_SEQID,
  NFS4ERR_BADXDR,
  NFS4ERR_RESOURCE,
  NFS4ERR_NOFILEHANDLE,
  NFS4ERR_MOVED,
]);

export function advancesSeqid(status: number): boolean {
  return !SEQID_KEEPING.has(status);
}

/** Which owner's sequence a v4.0 request advances (an operation's `seqid` hook says). */
export interface SeqidUse {
  key: string;
  seqid: number;
  /** The stateid the operation names (null: OPEN names none). */
  other: Buffer | null;
  /** LOCK for a new lock-owner: that owner's sequence starts at lock_seqid (RFC 7530 §16.10.4). */
  starts?: { key: string; seqid: number };
}

/** An operation's result as the wire carried it, and the current filehandle it left. */
export interface SeqidResult {
  status: number;
  body: Buffer | null;
  fh: Buffer | null;
}

interface OwnerSeq {
  seqid: number;
  result: SeqidResult;
  /** The stateid (`other`, hex) the last operation named: CLOSE's retransmission finds it here. */
  other: string | null;
}

export function openOwnerKey(clientId: bigint, ownerHex: string): string {
  return `open:${clientId.toString(16)}:${ownerHex}`;
}

export function lockOwnerKey(clientId: bigint, ownerHex: string): string {
  return `lock:${clientId.toString(16)}:${ownerHex}`;
}

export class OwnerSeqids {
  private readonly owners = new Map<string, OwnerSeq>();
  private readonly byOther = new Map<string, string>();

  constructor(private readonly max = NFS4_SEQID_OWNERS_MAX) {}

  get size(): number {
    return this.owners.size;
  }

  /**
   * The kept result when `seqid` is the owner's last (a retransmission), null when the request
   * is new (last + 1, or an owner not known); BAD_SEQID otherwise.
   */
  check(key: string, seqid: number): SeqidResult | null {
    const o = this.owners.get(key);
    if (o === undefined || seqid === (o.seqid + 1) >>> 0) return null;
    if (seqid === o.seqid) return o.result;
    throw new Nfs4Error(NFS4ERR_BAD_SEQID, `seqid ${seqid} after ${o.seqid}`);
  }

  /** The owner used `seqid` and got `result`; `other` is the stateid its operation named. */
  record(key: string, seqid: number, result: SeqidResult, other: Buffer | null): void {
    const had = this.owners.get(key);
    if (had?.other != null) this.byOther.delete(had.other);
    this.owners.delete(key);
    const hex = other === null ? null : other.toString("hex");
    this.owners.set(key, { seqid, result, other: hex });
    if (hex !== null) this.byOther.set(hex, key);
    if (this.owners.size > this.max) this.evict(this.owners.keys().next().value!);
  }

  /** Is an owner known (a lock-owner's first LOCK sets its seqid only if not)? */
  has(key: string): boolean {
    return this.owners.has(key);
  }

  /** The owner whose last operation named stateid `other` (which may be closed since). */
  ownerOfStateid(other: Buffer): string | undefined {
    return this.byOther.get(other.toString("hex"));
  }

  /** Forgets every owner of a client (its state went: lease expiry, a new SETCLIENTID). */
  dropClient(clientId: bigint): void {
    const open = openOwnerKey(clientId, "");
    const lock = lockOwnerKey(clientId, "");
    for (const key of [...this.owners.keys()]) {
      if (key.startsWith(open) || key.startsWith(lock)) this.evict(key);
    }
  }

  private evict(key: string): void {
    const o = this.owners.get(key);
    if (o?.other != null) this.byOther.delete(o.other);
    this.owners.delete(key);
  }
}

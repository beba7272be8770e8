/**
 * Open stateids (RFC 8881 §8.2, §9): each OPEN by an open-owner of a file gets one stateid whose
 * seqid goes up with every OPEN/OPEN_DOWNGRADE of the same owner and file. The 12-byte `other`
 * is this incarnation's epoch (4 bytes) and a counter (8 bytes), so a stateid from before a
 * restart is told apart (NFS4ERR_STALE_STATEID for v4.0, BAD_STATEID for v4.1). Lock stateids
 * and share-mode enforcement are built on this table by the locking module.
 */

import { FairMap } from "../../../../domain/fair-map.ts";
import {
  NFS4_OPENS_MAX,
  NFS4_OPENS_PER_CLIENT_MAX,
  NFS4_OTHER_SIZE,
  NFS4ERR_BAD_STATEID,
  NFS4ERR_OLD_STATEID,
  NFS4ERR_RESOURCE,
  NFS4ERR_STALE_STATEID,
} from "../constants.ts";
import { Nfs4Error } from "../status.ts";
import type { Stateid4 } from "../types.ts";

export interface OpenState {
  other: Buffer;
  seqid: number;
  clientId: bigint;
  /** open_owner4.owner as hex. */
  owner: string;
  handle: Buffer;
  /** OPEN4_SHARE_ACCESS_* and OPEN4_SHARE_DENY_* bits held. */
  access: number;
  deny: number;
  /** v4.0: OPEN_CONFIRM received (or not needed). */
  confirmed: boolean;
  /** A WRITE went through this open: CLOSE commits it. */
  written: boolean;
}

/** RFC 8881 §8.2.3 special stateids: all zeros (anonymous) and all ones (READ bypass). */
export function isSpecialStateid(s: Stateid4): boolean {
  const zero = s.other.every((b) => b === 0);
  const ones = s.other.every((b) => b === 0xff);
  return (zero && s.seqid === 0) || (ones && s.seqid === 0xffffffff);
}

/** RFC 8881 §16.2.3.1.2: seqid 1 with a zero `other` means the COMPOUND's current stateid. */
export function isCurrentStateid(s: Stateid4): boolean {
  return s.seqid === 1 && s.other.every((b) => b === 0);
}

export class StateidTable {
  /** By `other` (hex), shared fairly by client address (domain/fair-map.ts) up to NFS4_OPENS_MAX. */
  private readonly opens = new FairMap<string, OpenState>(NFS4_OPENS_MAX);
  private readonly byOwnerFile = new Map<string, OpenState>();
  /** Open states by file handle (hex): share-mode checks look up one file, not every open. */
  private readonly byFile = new Map<string, Set<OpenState>>();
  /** Open stateids per client (the per-client cap, and a count without a scan). */
  private readonly perClient = new Map<bigint, number>();
  private counter = 0n;

  constructor(readonly epoch: number) {}

  get size(): number {
    return this.opens.size;
  }

  private newOther(): Buffer {
    const b = Buffer.alloc(NFS4_OTHER_SIZE);
    b.writeUInt32BE(this.epoch >>> 0, 0);
    b.writeBigUInt64BE(++this.counter, 4);
    return b;
  }

  /**
   * OPEN: a new stateid, or the owner's stateid for this file with the access bits added.
   * `address`: the client's, whose opens together get a fair share of the total (checkRoom).
   */
  open(
    clientId: bigint,
    owner: string,
    handle: Buffer,
    access: number,
    deny: number,
    address = "",
  ): OpenState {
    const key = `${clientId}:${owner}:${handle.toString("hex")}`;
    const had = this.byOwnerFile.get(key);
    if (had !== undefined) {
      had.seqid = (had.seqid + 1) >>> 0 || 1;
      had.access |= access;
      had.deny |= deny;
      return had;
    }
    this.checkRoom(clientId, owner, handle, address);
    this.perClient.set(clientId, (this.perClient.get(clientId) ?? 0) + 1);
    const s: OpenState = {
      other: this.newOther(),
      seqid: 1,
      clientId,
      owner,
      handle,
      access,
      deny,
      confirmed: true,
      written: false,
    };
    this.opens.set(s.other.toString("hex"), s, address);
    this.byOwnerFile.set(key, s);
    const fileKey = handle.toString("hex");
    const onFile = this.byFile.get(fileKey) ?? new Set<OpenState>();
    this.byFile.set(fileKey, onFile);
    onFile.add(s);
    return s;
  }

  /**
   * RESOURCE when OPEN would need a new stateid past NFS4_OPENS_PER_CLIENT_MAX, or past the fair
   * share of NFS4_OPENS_MAX the clients of `address` may hold together (at most half, less as
   * other addresses hold more: a few hosts with many clients cannot take every open). Called
   * before the share reservation is taken, and by `open`. Each open-owner (up to 1 KiB) of each
   * file is a record: a client naming new owners would add them while its lease runs.
   */
  checkRoom(clientId: bigint, owner: string, handle: Buffer, address = ""): void {
    if (this.byOwnerFile.has(`${clientId}:${owner}:${handle.toString("hex")}`)) return;
    if ((this.perClient.get(clientId) ?? 0) >= NFS4_OPENS_PER_CLIENT_MAX || !this.opens.admits(address)) {
      throw new Nfs4Error(NFS4ERR_RESOURCE, "too many open stateids");
    }
  }

  /**
   * The open state a stateid names. `minor` picks the stale-stateid status; a seqid 0 (v4.1:
   * "the current one") skips the seqid check; an older seqid is OLD_STATEID.
   */
  find(s: Stateid4, minor: number, key = s.other.toString("hex")): OpenState {
    const st = this.opens.get(key);
    if (st === undefined) throw this.unknown(key, minor);
    if (s.seqid !== 0 && s.seqid !== st.seqid) {
      throw new Nfs4Error(s.seqid < st.seqid ? NFS4ERR_OLD_STATEID : NFS4ERR_BAD_STATEID);
    }
    return st;
  }

  /** The open a lock state was made from (`LockState.open`: its `other` as hex), whatever its seqid. */
  openOfLock(key: string, minor: number): OpenState {
    const st = this.opens.get(key);
    if (st === undefined) throw this.unknown(key, minor);
    return st;
  }

  /** An `other` (hex) naming no open: STALE_STATEID (v4.0) when an earlier server instance issued it. */
  private unknown(key: string, minor: number): Nfs4Error {
    // The first word of `other` is the epoch of the instance that issued it.
    const stale = Number.parseInt(key.slice(0, 8), 16) !== this.epoch >>> 0;
    return new Nfs4Error(stale && minor === 0 ? NFS4ERR_STALE_STATEID : NFS4ERR_BAD_STATEID);
  }

  /** Status of one stateid for TEST_STATEID (RFC 8881 §18.48): 0 when valid. */
  test(s: Stateid4, minor: number): number {
    try {
      this.find(s, minor);
      return 0;
    } catch (e) {
      if (e instanceof Nfs4Error) return e.status;
      throw e;
    }
  }

  close(st: OpenState): void {
    if (!this.opens.delete(st.other.toString("hex"))) return;
    const fileKey = st.handle.toString("hex");
    this.byOwnerFile.delete(`${st.clientId}:${st.owner}:${fileKey}`);
    const onFile = this.byFile.get(fileKey);
    onFile?.delete(st);
    if (onFile?.size === 0) this.byFile.delete(fileKey);
    const n = (this.perClient.get(st.clientId) ?? 1) - 1;
    if (n > 0) this.perClient.set(st.clientId, n);
    else this.perClient.delete(st.clientId);
  }

  /** The open-owner's state on a file, if it has one. */
  ofOwnerFile(clientId: bigint, owner: string, handle: Buffer): OpenState | undefined {
    return this.byOwnerFile.get(`${clientId}:${owner}:${handle.toString("hex")}`);
  }

  /** How many open stateids a client holds. */
  countOf(clientId: bigint): number {
    return this.perClient.get(clientId) ?? 0;
  }

  /** Every open of a client (its lease expired, DESTROY_CLIENTID, a new SETCLIENTID verifier). */
  ofClient(clientId: bigint): OpenState[] {
    return [...this.opens.values()].filter((s) => s.clientId === clientId);
  }

  /** Open states on one file (share-mode checks, lock release). */
  ofFile(handle: Buffer): OpenState[] {
    return [...(this.byFile.get(handle.toString("hex")) ?? [])];
  }
}

/** NLM v4 argument and result types (XNFS NLM v4 §10): nlm4_lock, nlm4_holder, netobj. */
import type { LockRange } from "../../../metadata/lock-types.ts";
import type { XdrReader } from "../xdr/reader.ts";
import type { XdrWriter } from "../xdr/writer.ts";
import { LM_MAXSTRLEN, MAXNETOBJ_SZ } from "./constants.ts";

export interface Nlm4Lock {
  callerName: string;
  fh: Buffer;
  oh: Buffer;
  svid: number;
  offset: bigint;
  len: bigint;
}

export function decodeNetobj(r: XdrReader): Buffer {
  return r.opaque(MAXNETOBJ_SZ);
}

export function decodeNlm4Lock(r: XdrReader): Nlm4Lock {
  return {
    callerName: r.string(LM_MAXSTRLEN),
    fh: decodeNetobj(r),
    oh: decodeNetobj(r),
    svid: r.int32(),
    offset: r.uint64(),
    len: r.uint64(),
  };
}

export function encodeNlm4Lock(w: XdrWriter, l: Nlm4Lock): void {
  w.string(l.callerName).opaque(l.fh).opaque(l.oh).int32(l.svid).uint64(l.offset).uint64(l.len);
}

/**
 * Lock owners on the shared LockManager are `nlm:<peer address>/<caller_name>:<svid>`. The peer
 * address is the caller check of UNLOCK, CANCEL and FREE_ALL: caller_name is whatever the client
 * says, so a host can only release locks taken from its own address.
 */
export function nlmOwner(address: string, callerName: string, svid: number): string {
  return `${nlmHostPrefix(address, callerName)}${svid}`;
}

export function nlmHostPrefix(address: string, callerName: string): string {
  return `nlm:${address}/${callerName}:`;
}

/** One past the last byte of the 64-bit space. */
const SPACE_END = 1n << 64n;

/** nlm4_lock → LockRange, exact. A length reaching past 2^64 means "to the end of the file" (0). */
export function toLockRange(l: Nlm4Lock, exclusive: boolean, address: string): LockRange {
  return {
    owner: nlmOwner(address, l.callerName, l.svid),
    kind: exclusive ? "exclusive" : "shared",
    offset: l.offset,
    length: l.offset + l.len > SPACE_END ? 0n : l.len,
  };
}

/** nlm4_holder for a conflicting lock (TEST DENIED). Non-NLM owners (SMB) report svid 0. */
export function encodeHolder(w: XdrWriter, h: LockRange): void {
  const m = /^nlm:.*:(-?\d+)$/.exec(h.owner);
  const svid = m ? Number(m[1]) : 0;
  w.bool(h.kind === "exclusive")
    .int32(svid)
    .opaque(Buffer.alloc(0))
    .uint64(h.offset)
    .uint64(h.length);
}

/**
 * NFSv4 XDR types shared by several operations (RFC 7530 §2.2, RFC 8881 §3.3): bitmap4, stateid4,
 * nfstime4, change_info4, component4 and utf8 names. Every length is checked against a named
 * limit before anything is allocated (XdrReader does the checking).
 */
import type { Timespec } from "../../../metadata/types.ts";
import { XdrError, type XdrReader } from "../xdr/reader.ts";
import type { XdrWriter } from "../xdr/writer.ts";
import {
  BITMAP4_WORDS_MAX,
  NFS4_NAME_MAX,
  NFS4_OPAQUE_LIMIT,
  NFS4_OTHER_SIZE,
  NFS4_VERIFIER_SIZE,
  NFS4ERR_BADCHAR,
  NFS4ERR_BADNAME,
  NFS4ERR_INVAL,
  NFS4ERR_NAMETOOLONG,
} from "./constants.ts";
import { Nfs4Error } from "./status.ts";

/** bitmap4: attribute n is bit (n % 32) of word floor(n / 32). */
export type Bitmap4 = number[];

export function decodeBitmap(r: XdrReader): Bitmap4 {
  return r.array(BITMAP4_WORDS_MAX, (x) => x.uint32());
}

export function encodeBitmap(w: XdrWriter, bm: Bitmap4): void {
  let n = bm.length;
  while (n > 0 && bm[n - 1] === 0) n--;
  w.uint32(n);
  for (let i = 0; i < n; i++) w.uint32(bm[i]!);
}

export function bitmapOf(attrs: readonly number[]): Bitmap4 {
  const bm: Bitmap4 = [];
  for (const n of attrs) {
    const i = n >>> 5;
    while (bm.length <= i) bm.push(0);
    bm[i] = (bm[i]! | (1 << (n & 31))) >>> 0;
  }
  return bm;
}

/** The attribute numbers set in `bm`, ascending. */
export function bitmapList(bm: Bitmap4): number[] {
  const out: number[] = [];
  for (let i = 0; i < bm.length; i++) {
    const word = bm[i]!;
    if (word === 0) continue;
    for (let b = 0; b < 32; b++) if ((word >>> b) & 1) out.push(i * 32 + b);
  }
  return out;
}

/** stateid4 (RFC 8881 §8.2): a seqid and 12 opaque bytes. */
export interface Stateid4 {
  seqid: number;
  other: Buffer;
}

export function decodeStateid(r: XdrReader): Stateid4 {
  return { seqid: r.uint32(), other: r.fixedOpaque(NFS4_OTHER_SIZE) };
}

export function encodeStateid(w: XdrWriter, s: Stateid4): void {
  w.uint32(s.seqid).fixedOpaque(s.other);
}

/**
 * client_owner4 (RFC 8881 §3.3.13) and v4.0's nfs_client_id4 (RFC 7530 §2.2.11), the same XDR: a
 * verifier that changes when the client reboots, and its owner string.
 */
export interface ClientOwner4 {
  verifier: Buffer;
  owner: Buffer;
}

export function decodeClientOwner(r: XdrReader): ClientOwner4 {
  return { verifier: r.fixedOpaque(NFS4_VERIFIER_SIZE), owner: r.opaque(NFS4_OPAQUE_LIMIT) };
}

/** nfstime4: int64 seconds, uint32 nanoseconds. */
export function encodeTime(w: XdrWriter, t: Timespec): void {
  w.int64(BigInt(t.sec)).uint32(t.nsec);
}

export function decodeTime(r: XdrReader): Timespec {
  const sec = r.int64();
  const nsec = r.uint32();
  if (nsec >= 1e9 || sec > BigInt(Number.MAX_SAFE_INTEGER) || sec < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new Nfs4Error(NFS4ERR_INVAL, "nfstime4 out of range");
  }
  return { sec: Number(sec), nsec };
}

/** The `change` attribute (RFC 8881 §5.8.1.4): the ctime in nanoseconds, which every write (NFS or SMB) moves. */
export function changeOf(ctime: Timespec): bigint {
  return BigInt(ctime.sec) * 1_000_000_000n + BigInt(ctime.nsec);
}

/** change_info4: atomic, before, after (RFC 8881 §3.3.12). */
export function encodeChangeInfo(w: XdrWriter, before: Timespec, after: Timespec): void {
  w.bool(true).uint64(changeOf(before)).uint64(changeOf(after));
}

/** A component4 as raw bytes; `checkName` validates it when the operation runs. */
export function decodeComponent(r: XdrReader): Buffer {
  return r.opaque(NFS4_OPAQUE_LIMIT);
}

const UTF8 = new TextDecoder("utf-8", { fatal: true });

/**
 * RFC 8881 §14.2 component name rules: empty → INVAL, longer than maxname → NAMETOOLONG,
 * not UTF-8 → BADCHAR, "." / ".." / containing "/" or NUL → BADNAME.
 */
export function checkName(raw: Buffer): string {
  if (raw.length === 0) throw new Nfs4Error(NFS4ERR_INVAL, "empty name");
  if (raw.length > NFS4_NAME_MAX) throw new Nfs4Error(NFS4ERR_NAMETOOLONG);
  let name: string;
  try {
    name = UTF8.decode(raw);
  } catch {
    throw new Nfs4Error(NFS4ERR_BADCHAR);
  }
  if (name === "." || name === ".." || name.includes("/") || name.includes("\0")) {
    throw new Nfs4Error(NFS4ERR_BADNAME);
  }
  return name;
}

/** A utf8 string field that must be valid UTF-8 (owner, link text): BADXDR-free, BADCHAR on failure. */
export function utf8(raw: Buffer): string {
  try {
    return UTF8.decode(raw);
  } catch {
    throw new Nfs4Error(NFS4ERR_BADCHAR);
  }
}

/** Reads a discriminant and fails decoding (→ BADXDR) when it is not one of `allowed`. */
export function decodeEnum(r: XdrReader, allowed: readonly number[], what: string): number {
  const v = r.uint32();
  if (!allowed.includes(v)) throw new XdrError(`bad ${what} ${v}`);
  return v;
}

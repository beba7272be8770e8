/**
 * File handles: opaque to clients, at most 64 bytes (RFC 1813 NFS3_FHSIZE). Layout (21 bytes):
 *
 *   0      1              9        13             21
 *   | ver  | share key    | epoch  | fileid       |
 *
 * The share key is the first 8 bytes of SHA-256(share name): stable across restarts without any
 * persistent table, and also the share's fsid. The epoch is the store incarnation, so a handle
 * from a wiped (or memory) store is stale, never another file. fileids are never reused.
 */
import { createHash } from "node:crypto";
import { FsError } from "../domain/errors.ts";

export const HANDLE_VERSION = 1;
export const HANDLE_BYTES = 21;

export function shareKey(name: string): Buffer {
  return createHash("sha256").update(name, "utf8").digest().subarray(0, 8);
}

export function encodeHandle(key: Buffer, epoch: number, fileid: bigint): Buffer {
  const h = Buffer.allocUnsafe(HANDLE_BYTES);
  h[0] = HANDLE_VERSION;
  key.copy(h, 1, 0, 8);
  h.writeUInt32BE(epoch >>> 0, 9);
  h.writeBigUInt64BE(fileid, 13);
  return h;
}

export interface DecodedHandle {
  /** Share key as a hex string (a map key). */
  key: string;
  epoch: number;
  fileid: bigint;
}

export function decodeHandle(h: Buffer): DecodedHandle {
  const fileid = checkHandle(h);
  return { key: handleKeyHex(h), epoch: handleEpoch(h), fileid };
}

/** The fileid of a well-formed handle; EBADHANDLE otherwise. The parts below need this first. */
export function checkHandle(h: Buffer): bigint {
  if (h.length !== HANDLE_BYTES || h[0] !== HANDLE_VERSION) throw new FsError("EBADHANDLE");
  const fileid = h.readBigUInt64BE(13);
  if (fileid === 0n) throw new FsError("EBADHANDLE");
  return fileid;
}

export function handleKeyHex(h: Buffer): string {
  return h.toString("hex", 1, 9);
}

export function handleEpoch(h: Buffer): number {
  return h.readUInt32BE(9);
}

/** Whether the handle's share key is `key` (8 bytes), compared as two words without allocating. */
export function sameKey(h: Buffer, key: Buffer): boolean {
  return h.readUInt32BE(1) === key.readUInt32BE(0) && h.readUInt32BE(5) === key.readUInt32BE(4);
}

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
import { FsError } from "../errors.ts";

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
  if (h.length !== HANDLE_BYTES || h[0] !== HANDLE_VERSION) throw new FsError("EBADHANDLE");
  const fileid = h.readBigUInt64BE(13);
  if (fileid === 0n) throw new FsError("EBADHANDLE");
  return { key: h.toString("hex", 1, 9), epoch: h.readUInt32BE(9), fileid };
}

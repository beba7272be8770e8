/**
 * WAL record format. Each share has a directory `<walDir>/<hex of share name>/` of segment files
 * `seg-<16 hex digits>.wal` (ids increase; the oldest one left is the replay checkpoint). A
 * segment is a run of records and nothing else; records are appended, never rewritten. A
 * `*.corrupt` file is a segment set aside after a bad record (kept for an operator, never read).
 * Every record (little-endian):
 *
 *   0        4        6        8                16               24       28       30       32       36       40
 *   +--------+--------+--------+----------------+----------------+--------+--------+--------+--------+--------+
 *   | magic  |version |  kind  |    sequence    |     offset     | length |  idLen |reserved|data crc| hdr crc|
 *   |"DFWL"  |  = 1   | u16    |      u64       |      u64       |  u32   |  u16   |  = 0   |crc32c  |crc32c  |
 *   +--------+--------+--------+----------------+----------------+--------+--------+--------+--------+--------+
 *   | payload id: idLen bytes (ASCII) | data: length bytes (WRITE only) |
 *   +---------------------------------+----------------------------------+
 *
 * - hdr crc: CRC32C of bytes [0, 36) of the header. data crc: CRC32C of the payload id then data.
 * - sequence: strictly increasing across segments and runs (a gap only where a failed write was
 *   cut off), so a stale or reordered record never passes for the next one.
 * - kind: WRITE (offset = file offset, data = bytes), TRUNCATE (offset = new size), DELETE.
 * Replay reads records in order and stops at the first that is short (torn) or fails a check.
 */
import { crc32c } from "@node-rs/crc32";

export const WAL_MAGIC = 0x4c574644; // "DFWL" read as little-endian u32
export const WAL_VERSION = 1;
export const WAL_HEADER_BYTES = 40;
/** Largest data length of one record; larger writes are split (a block is far smaller). */
export const WAL_RECORD_DATA_BYTES_MAX = 16 * 1024 * 1024;
export const WAL_PAYLOAD_ID_BYTES_MAX = 1024;

export const RecordKind = { WRITE: 1, TRUNCATE: 2, DELETE: 3 } as const;
export type RecordKind = (typeof RecordKind)[keyof typeof RecordKind];
const KINDS = new Set<number>(Object.values(RecordKind));

const TWO_32 = 2 ** 32;

function writeU64(buf: Buffer, v: number, at: number): void {
  buf.writeUInt32LE(v % TWO_32, at);
  buf.writeUInt32LE(Math.floor(v / TWO_32), at + 4);
}

function readU64(buf: Buffer, at: number): number {
  return buf.readUInt32LE(at) + buf.readUInt32LE(at + 4) * TWO_32;
}

/** Builds the header + payload id of a record; the data follows it on disk unchanged. */
export function encodeHeader(
  kind: RecordKind,
  seq: number,
  idBytes: Buffer,
  offset: number,
  data: Buffer | null,
): Buffer {
  const h = Buffer.allocUnsafe(WAL_HEADER_BYTES + idBytes.length);
  const length = data === null ? 0 : data.length;
  h.writeUInt32LE(WAL_MAGIC, 0);
  h.writeUInt16LE(WAL_VERSION, 4);
  h.writeUInt16LE(kind, 6);
  writeU64(h, seq, 8);
  writeU64(h, offset, 16);
  h.writeUInt32LE(length, 24);
  h.writeUInt16LE(idBytes.length, 28);
  h.writeUInt16LE(0, 30);
  const idCrc = crc32c(idBytes);
  h.writeUInt32LE(length === 0 ? idCrc : crc32c(data!, idCrc), 32);
  h.writeUInt32LE(crc32c(h.subarray(0, 36)), 36);
  idBytes.copy(h, WAL_HEADER_BYTES);
  return h;
}

export interface WalRecord {
  kind: RecordKind;
  seq: number;
  payloadId: string;
  offset: number;
  /** A view into the segment buffer (WRITE), else empty. */
  data: Buffer;
  /** Total bytes on disk. */
  size: number;
}

/** True when every byte from `at` to the end is zero: the preallocated, unused end of a segment. */
export function zeroFrom(buf: Buffer, at: number): boolean {
  for (let i = at; i < buf.length; i++) if (buf[i] !== 0) return false;
  return true;
}

/**
 * End of the record that failed to decode at `at` as its header declares it (the header alone if
 * the header itself is damaged): a torn write into a preallocated segment leaves zeros past it.
 */
export function declaredEnd(buf: Buffer, at: number): number {
  const headerOk =
    buf.length - at >= WAL_HEADER_BYTES && crc32c(buf.subarray(at, at + 36)) === buf.readUInt32LE(at + 36);
  if (!headerOk) return Math.min(buf.length, at + WAL_HEADER_BYTES);
  return Math.min(buf.length, at + WAL_HEADER_BYTES + buf.readUInt16LE(at + 28) + buf.readUInt32LE(at + 24));
}

export type DecodeResult = { ok: true; record: WalRecord } | { ok: false; reason: string };

/** Decodes the record at `at`; a short buffer is a torn record, a failed check is corruption. */
export function decodeRecord(buf: Buffer, at: number): DecodeResult {
  if (buf.length - at < WAL_HEADER_BYTES)
    return { ok: false, reason: `torn header (${buf.length - at} bytes)` };
  if (buf.readUInt32LE(at) !== WAL_MAGIC) return { ok: false, reason: "bad magic" };
  if (crc32c(buf.subarray(at, at + 36)) !== buf.readUInt32LE(at + 36))
    return { ok: false, reason: "header checksum" };
  const version = buf.readUInt16LE(at + 4);
  if (version !== WAL_VERSION) return { ok: false, reason: `version ${version}` };
  const kind = buf.readUInt16LE(at + 6);
  if (!KINDS.has(kind)) return { ok: false, reason: `kind ${kind}` };
  const length = buf.readUInt32LE(at + 24);
  const idLen = buf.readUInt16LE(at + 28);
  if (length > WAL_RECORD_DATA_BYTES_MAX || idLen > WAL_PAYLOAD_ID_BYTES_MAX)
    return { ok: false, reason: "length" };
  const size = WAL_HEADER_BYTES + idLen + length;
  if (buf.length - at < size) return { ok: false, reason: `torn body (${buf.length - at} of ${size} bytes)` };
  const idBytes = buf.subarray(at + WAL_HEADER_BYTES, at + WAL_HEADER_BYTES + idLen);
  const data = buf.subarray(at + WAL_HEADER_BYTES + idLen, at + size);
  const idCrc = crc32c(idBytes);
  if ((length === 0 ? idCrc : crc32c(data, idCrc)) !== buf.readUInt32LE(at + 32)) {
    return { ok: false, reason: "data checksum" };
  }
  return {
    ok: true,
    record: {
      kind: kind as RecordKind,
      seq: readU64(buf, at + 8),
      payloadId: idBytes.toString("latin1"),
      offset: readU64(buf, at + 16),
      data,
      size,
    },
  };
}

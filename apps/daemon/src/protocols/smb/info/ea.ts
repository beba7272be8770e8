/**
 * Extended attribute lists on the wire: [MS-FSCC] §2.4.15 FILE_FULL_EA_INFORMATION (QUERY_INFO and
 * SET_INFO FileFullEaInformation, the CREATE "ExtA" context) and §2.4.15.1
 * FILE_GET_EA_INFORMATION (the names a QUERY_INFO asks for). Entries are 4-byte aligned and
 * chained by NextEntryOffset; names are 8-bit characters, NUL-terminated on the wire.
 */
import type { NamedAttr } from "../../../metadata/named-attr-types.ts";
import { STATUS_EA_LIST_INCONSISTENT, STATUS_INVALID_EA_NAME } from "../ntstatus.ts";
import { SmbError } from "../status.ts";
import { SmbWriter } from "../wire.ts";

/** Entries one request may carry (the file's own limit, metadata EAS_PER_FILE_MAX, is lower). */
const EA_LIST_ENTRIES_MAX = 256;
/** [MS-FSCC] §2.4.15: EaNameLength is one byte. */
const EA_NAME_BYTES_MAX = 255;
/** Characters never valid in an EA name (Samba's and Windows' FAT name rules), besides controls. */
const INVALID_EA_CHARS = '"*+,/:;<=>?[\\]|';

/** The packed size of one FILE_FULL_EA_INFORMATION entry, padding to 4 bytes included. */
function entrySize(name: string, value: Buffer): number {
  return (unpaddedSize(name, value) + 3) & ~3;
}

/** One entry's bytes without its padding (the last entry of a list is not padded). */
function unpaddedSize(name: string, value: Buffer): number {
  return 8 + Buffer.byteLength(name, "latin1") + 1 + value.length;
}

/** [MS-FSCC] §2.4.12 FILE_EA_INFORMATION EaSize: the bytes the file's full EA list takes. */
export function eaSize(eas: readonly NamedAttr[]): number {
  return eas.reduce((n, e) => n + entrySize(e.name, e.value), 0);
}

/** STATUS_INVALID_EA_NAME unless `name` is 1-255 printable 8-bit characters without the invalid ones. */
function checkEaName(name: string): void {
  if (name.length === 0 || name.length > EA_NAME_BYTES_MAX)
    throw new SmbError(STATUS_INVALID_EA_NAME, "length");
  for (const ch of name) {
    const c = ch.charCodeAt(0);
    if (c < 0x20 || c > 0xff || INVALID_EA_CHARS.includes(ch))
      throw new SmbError(STATUS_INVALID_EA_NAME, name);
  }
}

/**
 * How many of `eas`, from the first, encodeFullEaList fits in `room` bytes: every entry padded
 * but the last, so the last one counts unpadded. One pass over the list.
 */
export function fittingEas(eas: readonly NamedAttr[], room: number): number {
  let used = 0;
  for (let i = 0; i < eas.length; i++) {
    const e = eas[i]!;
    const unpadded = unpaddedSize(e.name, e.value);
    if (used + unpadded > room) return i;
    used += (unpadded + 3) & ~3;
  }
  return eas.length;
}

/** FILE_FULL_EA_INFORMATION entries for `eas`, each padded to 4 bytes but the last. */
export function encodeFullEaList(eas: readonly NamedAttr[]): Buffer {
  const w = new SmbWriter();
  eas.forEach((e, i) => {
    const start = w.length;
    const name = Buffer.from(e.name, "latin1");
    w.u32(0).u8(0).u8(name.length).u16(e.value.length).bytes(name).u8(0).bytes(e.value);
    if (i < eas.length - 1) {
      w.align(4);
      w.patchU32(start, w.length - start);
    }
  });
  return w.finish();
}

/** Walks a NextEntryOffset chain, handing each entry's bytes to `each`; EA_LIST_INCONSISTENT when it is malformed. */
function walkList(buf: Buffer, each: (entry: Buffer) => void): void {
  if (buf.length === 0) return;
  for (let at = 0, n = 0; ; n++) {
    if (n >= EA_LIST_ENTRIES_MAX || at + 4 > buf.length) throw new SmbError(STATUS_EA_LIST_INCONSISTENT);
    const next = buf.readUInt32LE(at);
    if (next !== 0 && (next % 4 !== 0 || at + next > buf.length))
      throw new SmbError(STATUS_EA_LIST_INCONSISTENT);
    each(buf.subarray(at, next === 0 ? buf.length : at + next));
    if (next === 0) return;
    at += next;
  }
}

/** A FILE_FULL_EA_INFORMATION list: names checked, an empty value meaning "delete" ([MS-FSA] §2.1.5.14.2). */
export function decodeFullEaList(buf: Buffer): NamedAttr[] {
  const out: NamedAttr[] = [];
  walkList(buf, (e) => {
    if (e.length < 8) throw new SmbError(STATUS_EA_LIST_INCONSISTENT);
    const nameLen = e[5]!;
    const valueLen = e.readUInt16LE(6);
    if (8 + nameLen + 1 + valueLen > e.length || e[8 + nameLen] !== 0) {
      throw new SmbError(STATUS_EA_LIST_INCONSISTENT);
    }
    const name = e.subarray(8, 8 + nameLen).toString("latin1");
    checkEaName(name);
    out.push({ name, value: Buffer.from(e.subarray(9 + nameLen, 9 + nameLen + valueLen)) });
  });
  return out;
}

/** A FILE_GET_EA_INFORMATION list: the names a query asks for. */
export function decodeGetEaList(buf: Buffer): string[] {
  const out: string[] = [];
  walkList(buf, (e) => {
    const nameLen = e[4] ?? 0;
    if (e.length < 5 + nameLen) throw new SmbError(STATUS_EA_LIST_INCONSISTENT);
    out.push(e.subarray(5, 5 + nameLen).toString("latin1"));
  });
  return out;
}

/**
 * File information classes for QUERY_INFO ([MS-FSCC] §2.4). Each encoder returns the full
 * structure; the caller truncates to OutputBufferLength (BUFFER_OVERFLOW) when the class has a
 * variable part, or fails with INFO_LENGTH_MISMATCH when even the fixed part does not fit.
 */
import type { FileAttr } from "../../../metadata/types.ts";
import { dosAttributes, endOfFile, writeTimes } from "../attrs.ts";
import * as C from "../constants.ts";
import type { Open } from "../state.ts";
import { type SmbWriter, utf16 } from "../wire.ts";

/** One entry of FileStreamInformation: the name as listed ("::$DATA", ":name:$DATA"). */
export interface StreamEntry {
  name: string;
  size: bigint;
  allocated: bigint;
}

export interface InfoInput {
  open: Open;
  attr: FileAttr;
  deletePending: boolean;
  /** AllocationSize to report (attrs.ts allocationWith: a kept allocation counts). */
  allocation: bigint;
  /** FileStreamInformation only: the file's data streams, its own first. */
  streams?: StreamEntry[];
  /** FileEaInformation and FileAllInformation: the packed size of the file's EA list. */
  eaSize?: number;
}

/** The open's name as Windows reports it: the path from the share root with a leading "\". */
export function fullName(open: Open): string {
  return `\\${open.path}`;
}

const basic = (w: SmbWriter, a: FileAttr) => writeTimes(w, a).u32(dosAttributes(a)).u32(0);
/**
 * NumberOfLinks as Windows and Samba count it ([MS-FSCC] §2.4.41): one for a directory, and the
 * link a pending delete will remove no longer counted (smbtorture smb2.setinfo).
 */
function numberOfLinks(i: InfoInput): number {
  const n = i.attr.type === "dir" ? 1 : i.attr.nlink;
  return n > 0 && i.deletePending ? n - 1 : n;
}

const standard = (w: SmbWriter, i: InfoInput) =>
  w
    .u64(i.allocation)
    .u64(endOfFile(i.attr))
    .u32(numberOfLinks(i))
    .u8(i.deletePending ? 1 : 0)
    .u8(i.attr.type === "dir" ? 1 : 0)
    .u16(0);

function nameInfo(w: SmbWriter, name: string): SmbWriter {
  const n = utf16(name);
  return w.u32(n.length).bytes(n);
}

function all(w: SmbWriter, i: InfoInput): SmbWriter {
  basic(w, i.attr);
  standard(w, i);
  w.u64(i.attr.fileid)
    .u32(i.eaSize ?? 0)
    .u32(i.open.grantedAccess)
    .u64(i.open.position)
    .u32(i.open.mode)
    .u32(0);
  return nameInfo(w, fullName(i.open));
}

/** [MS-FSCC] §2.4.43 FILE_STREAM_INFORMATION entries, each 8-byte aligned with NextEntryOffset. */
function streams(w: SmbWriter, i: InfoInput): SmbWriter {
  const list = i.streams ?? [];
  list.forEach((s, n) => {
    const start = w.length;
    const name = utf16(s.name);
    w.u32(0).u32(name.length).u64(s.size).u64(s.allocated).bytes(name);
    if (n < list.length - 1) {
      w.align(8);
      w.patchU32(start, w.length - start);
    }
  });
  return w;
}

export interface InfoClass {
  /**
   * Smallest output buffer Windows accepts (the C structure size with one name character,
   * aligned); a smaller one is INFO_LENGTH_MISMATCH, a larger but short one BUFFER_OVERFLOW.
   */
  fixed: number;
  /** Access the open must hold ([MS-FSA] §2.1.5.11), else ACCESS_DENIED. */
  access?: number;
  encode(w: SmbWriter, i: InfoInput): SmbWriter;
}

export const FILE_INFO_CLASSES: Record<number, InfoClass> = {
  [C.FileBasicInformation]: { fixed: 40, access: C.FILE_READ_ATTRIBUTES, encode: (w, i) => basic(w, i.attr) },
  [C.FileStandardInformation]: { fixed: 24, encode: standard },
  [C.FileInternalInformation]: { fixed: 8, encode: (w, i) => w.u64(i.attr.fileid) },
  [C.FileEaInformation]: { fixed: 4, encode: (w, i) => w.u32(i.eaSize ?? 0) },
  [C.FileAccessInformation]: { fixed: 4, encode: (w, i) => w.u32(i.open.grantedAccess) },
  [C.FileNameInformation]: { fixed: 8, encode: (w, i) => nameInfo(w, fullName(i.open)) },
  [C.FilePositionInformation]: { fixed: 8, encode: (w, i) => w.u64(i.open.position) },
  [C.FileModeInformation]: { fixed: 4, encode: (w, i) => w.u32(i.open.mode) },
  [C.FileAlignmentInformation]: { fixed: 4, encode: (w) => w.u32(0) },
  [C.FileAllInformation]: { fixed: 104, access: C.FILE_READ_ATTRIBUTES, encode: all },
  [C.FileStreamInformation]: { fixed: 32, encode: streams },
  [C.FileCompressionInformation]: {
    fixed: 16,
    encode: (w, i) => w.u64(endOfFile(i.attr)).u16(0).u8(0).u8(0).u8(0).zeros(3),
  },
  [C.FileNetworkOpenInformation]: {
    fixed: 56,
    access: C.FILE_READ_ATTRIBUTES,
    encode: (w, i) =>
      writeTimes(w, i.attr).u64(i.allocation).u64(endOfFile(i.attr)).u32(dosAttributes(i.attr)).u32(0),
  },
  [C.FileAttributeTagInformation]: {
    fixed: 8,
    access: C.FILE_READ_ATTRIBUTES,
    encode: (w, i) => w.u32(dosAttributes(i.attr)).u32(0),
  },
  // No 8.3 names are generated; the long name is the alternate name, as Samba does with `mangled names = no`.
  [C.FileAlternateNameInformation]: { fixed: 8, encode: (w, i) => nameInfo(w, i.open.name) },
  // [MS-FSCC] §2.4.30: the path from the share root without a leading "\" (empty for the root),
  // a stream's stored name without ":$DATA" (Open.path, create.ts); names resolve exactly here,
  // so the path as opened is the stored one.
  [C.FileNormalizedNameInformation]: { fixed: 8, encode: (w, i) => nameInfo(w, i.open.path) },
};

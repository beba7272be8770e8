/**
 * FileAttr → SMB wire values: FILETIME (100 ns since 1601, [MS-DTYP] §2.3.3), DOS attributes
 * ([MS-FSCC] §2.6) and allocation size. The same FileAttr feeds NFS, so ids and times agree.
 */
import type { FileAttr, Timespec } from "../../metadata/types.ts";
import { FILE_ATTRIBUTE_DIRECTORY, FILE_ATTRIBUTE_NORMAL } from "./constants.ts";
import type { SmbWriter } from "./wire.ts";

const EPOCH_DELTA_100NS = 116444736000000000n;
export const ALLOCATION_UNIT_BYTES = 4096;

export function toFiletime(t: Timespec): bigint {
  return BigInt(t.sec) * 10_000_000n + BigInt(Math.floor(t.nsec / 100)) + EPOCH_DELTA_100NS;
}

export function fromFiletime(ft: bigint): Timespec {
  const rel = ft - EPOCH_DELTA_100NS;
  const sec = rel / 10_000_000n;
  const rem = rel % 10_000_000n;
  if (rem < 0n) return { sec: Number(sec - 1n), nsec: Number(rem + 10_000_000n) * 100 };
  return { sec: Number(sec), nsec: Number(rem) * 100 };
}

/**
 * The DOS attributes reported ([MS-FSCC] §2.6): the stored ones, DIRECTORY for a directory, and
 * NORMAL for a file with none (its attributes cleared by a SET_INFO of NORMAL, or made without
 * SMB), as Samba reports it; SMB CREATE stores ARCHIVE with every file it creates or overwrites.
 */
export function dosAttributes(a: FileAttr): number {
  let v = a.dosAttributes & ~FILE_ATTRIBUTE_DIRECTORY & ~FILE_ATTRIBUTE_NORMAL;
  if (a.type === "dir") v |= FILE_ATTRIBUTE_DIRECTORY;
  return v === 0 ? FILE_ATTRIBUTE_NORMAL : v;
}

export function endOfFile(a: FileAttr): bigint {
  return a.type === "dir" ? 0n : BigInt(a.size);
}

/** `bytes` rounded up to whole allocation units. */
export function allocationUnits(bytes: bigint): bigint {
  const unit = BigInt(ALLOCATION_UNIT_BYTES);
  return ((bytes + unit - 1n) / unit) * unit;
}

/** The allocation reported for a file with `kept` asked for (FileState.allocation): the larger. */
export function allocationWith(a: FileAttr, kept: bigint): bigint {
  const computed = allocationSize(a);
  return a.type !== "dir" && kept > computed ? kept : computed;
}

export function allocationSize(a: FileAttr): bigint {
  if (a.type === "dir") return 0n;
  const rounded = Math.ceil(a.size / ALLOCATION_UNIT_BYTES) * ALLOCATION_UNIT_BYTES;
  return BigInt(Math.max(rounded, a.used));
}

/** CreationTime, LastAccessTime, LastWriteTime, ChangeTime (the order every structure uses). */
export function writeTimes(w: SmbWriter, a: FileAttr): SmbWriter {
  return w
    .u64(toFiletime(a.btime))
    .u64(toFiletime(a.atime))
    .u64(toFiletime(a.mtime))
    .u64(toFiletime(a.changeTime));
}

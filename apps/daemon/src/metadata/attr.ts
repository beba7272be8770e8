/** Conversions from store records to the attribute types protocols see. */
import { sameTime } from "./clock.ts";
import type { InodeRecord } from "./metadata-store.ts";
import type { FileAttr, Timespec, WccAttr } from "./types.ts";

/** Allocation unit reported as `used` (bytes rounded up). */
export const USED_BLOCK_BYTES = 4096;

export function usedBytes(size: number): number {
  return Math.ceil(size / USED_BLOCK_BYTES) * USED_BLOCK_BYTES;
}

/** The rdev of every file that is not a device: one object, not one per attribute read. */
const NO_RDEV: Readonly<{ major: number; minor: number }> = Object.freeze({ major: 0, minor: 0 });

export function toFileAttr(rec: Readonly<InodeRecord>, fsid: bigint): FileAttr {
  return {
    type: rec.type,
    mode: rec.mode,
    nlink: rec.nlink,
    uid: rec.uid,
    gid: rec.gid,
    size: rec.size,
    used: rec.type === "file" ? usedBytes(rec.size) : rec.type === "dir" ? USED_BLOCK_BYTES : 0,
    rdev:
      rec.rdevMajor === 0 && rec.rdevMinor === 0 ? NO_RDEV : { major: rec.rdevMajor, minor: rec.rdevMinor },
    fsid,
    fileid: rec.id,
    atime: rec.atime,
    mtime: rec.mtime,
    ctime: rec.ctime,
    btime: rec.btime,
    changeTime: changeTimeOf(rec),
    dosAttributes: rec.dosAttributes,
    payloadId: rec.payloadId,
  };
}

export function toWcc(rec: Readonly<InodeRecord>): WccAttr {
  return { size: rec.size, mtime: rec.mtime, ctime: rec.ctime };
}

/** The explicit change time while the file has not changed since it was set, else ctime. */
export function changeTimeOf(rec: Readonly<InodeRecord>): Timespec {
  const set = rec.changeTime;
  return set !== null && sameTime(set.at, rec.ctime) ? set.time : rec.ctime;
}

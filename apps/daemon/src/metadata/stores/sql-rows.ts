/** Row <-> record mapping shared by the SQL stores (one column per field, times as sec + nsec). */
import type { InodeRecord } from "../metadata-store.ts";
import type { FileType } from "../types.ts";

export const INODE_COLUMNS = [
  "root",
  "parent",
  "type",
  "mode",
  "nlink",
  "uid",
  "gid",
  "size",
  "rdev_major",
  "rdev_minor",
  "atime_s",
  "atime_ns",
  "mtime_s",
  "mtime_ns",
  "ctime_s",
  "ctime_ns",
  "btime_s",
  "btime_ns",
  "change_s",
  "change_ns",
  "change_at_s",
  "change_at_ns",
  "dos",
  "payload_id",
  "target",
  "verifier",
  "entry_seq",
] as const;

export interface InodeRow {
  id: number | bigint | string;
  root: number | bigint | string;
  parent: number | bigint | string;
  type: string;
  mode: number | bigint | string;
  nlink: number | bigint | string;
  uid: number | bigint | string;
  gid: number | bigint | string;
  size: number | bigint | string;
  rdev_major: number | bigint | string;
  rdev_minor: number | bigint | string;
  atime_s: number | bigint | string;
  atime_ns: number | bigint | string;
  mtime_s: number | bigint | string;
  mtime_ns: number | bigint | string;
  ctime_s: number | bigint | string;
  ctime_ns: number | bigint | string;
  btime_s: number | bigint | string;
  btime_ns: number | bigint | string;
  change_s: number | bigint | string | null;
  change_ns: number | bigint | string | null;
  change_at_s: number | bigint | string | null;
  change_at_ns: number | bigint | string | null;
  dos: number | bigint | string;
  payload_id: string | null;
  target: string | null;
  verifier: Buffer | Uint8Array | null;
  entry_seq: number | bigint | string;
}

export function rowToInode(r: InodeRow): InodeRecord {
  return {
    id: BigInt(r.id),
    root: BigInt(r.root),
    parent: BigInt(r.parent),
    type: r.type as FileType,
    mode: Number(r.mode),
    nlink: Number(r.nlink),
    uid: Number(r.uid),
    gid: Number(r.gid),
    size: Number(r.size),
    rdevMajor: Number(r.rdev_major),
    rdevMinor: Number(r.rdev_minor),
    atime: { sec: Number(r.atime_s), nsec: Number(r.atime_ns) },
    mtime: { sec: Number(r.mtime_s), nsec: Number(r.mtime_ns) },
    ctime: { sec: Number(r.ctime_s), nsec: Number(r.ctime_ns) },
    btime: { sec: Number(r.btime_s), nsec: Number(r.btime_ns) },
    changeTime:
      r.change_s === null || r.change_at_s === null
        ? null
        : {
            time: { sec: Number(r.change_s), nsec: Number(r.change_ns) },
            at: { sec: Number(r.change_at_s), nsec: Number(r.change_at_ns) },
          },
    dosAttributes: Number(r.dos),
    payloadId: r.payload_id,
    target: r.target,
    verifier: r.verifier === null ? null : Buffer.from(r.verifier),
    entrySeq: BigInt(r.entry_seq),
  };
}

/** Values in INODE_COLUMNS order. */
export function inodeValues(rec: Omit<InodeRecord, "id">): unknown[] {
  return [
    rec.root,
    rec.parent,
    rec.type,
    rec.mode,
    rec.nlink,
    rec.uid,
    rec.gid,
    rec.size,
    rec.rdevMajor,
    rec.rdevMinor,
    rec.atime.sec,
    rec.atime.nsec,
    rec.mtime.sec,
    rec.mtime.nsec,
    rec.ctime.sec,
    rec.ctime.nsec,
    rec.btime.sec,
    rec.btime.nsec,
    rec.changeTime?.time.sec ?? null,
    rec.changeTime?.time.nsec ?? null,
    rec.changeTime?.at.sec ?? null,
    rec.changeTime?.at.nsec ?? null,
    rec.dosAttributes,
    rec.payloadId,
    rec.target,
    rec.verifier,
    rec.entrySeq,
  ];
}

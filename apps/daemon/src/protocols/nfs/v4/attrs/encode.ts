/**
 * fattr4 encoding (RFC 8881 §3.3.10, §5): the requested attributes this server supports, in
 * attribute-number order, as a bitmap4 of those returned followed by their values as one opaque.
 * Unsupported requests are left out of the reply bitmap, as the RFC asks.
 */
import { FILE_SIZE_MAX } from "../../../../domain/limits.ts";
import type { FileAttr, FileType, FsStat } from "../../../../metadata/types.ts";
import { XdrWriter } from "../../xdr/writer.ts";
import {
  FH4_PERSISTENT,
  NF4BLK,
  NF4CHR,
  NF4DIR,
  NF4FIFO,
  NF4LNK,
  NF4REG,
  NF4SOCK,
  NFS4_IO_MAX,
  NFS4_NAME_MAX,
} from "../constants.ts";
import { type Bitmap4, bitmapList, bitmapOf, changeOf, encodeBitmap, encodeTime } from "../types.ts";
import * as a from "./numbers.ts";

const TYPE: Record<FileType, number> = {
  file: NF4REG,
  dir: NF4DIR,
  blk: NF4BLK,
  chr: NF4CHR,
  symlink: NF4LNK,
  sock: NF4SOCK,
  fifo: NF4FIFO,
};

/** RFC 1813-compatible link limit, as FSINFO/PATHCONF advertise it for v3. */
const LINK_MAX = 32767;

export const SUPPORTED_V40 = bitmapOf(a.SUPPORTED_ATTRS_V40);
export const SUPPORTED_V41 = bitmapOf([...a.SUPPORTED_ATTRS_V40, a.FATTR4_SUPPATTR_EXCLCREAT]);
const EXCLCREAT = bitmapOf(a.EXCLCREAT_ATTRS);

const FSSTAT_ATTRS = bitmapOf([
  a.FATTR4_FILES_AVAIL,
  a.FATTR4_FILES_FREE,
  a.FATTR4_FILES_TOTAL,
  a.FATTR4_SPACE_AVAIL,
  a.FATTR4_SPACE_FREE,
  a.FATTR4_SPACE_TOTAL,
]);

/** Whether encoding `requested` needs the share's space and file counts. */
export function needsFsstat(requested: Bitmap4): boolean {
  return requested.some((w, i) => (w & (FSSTAT_ATTRS[i] ?? 0)) !== 0);
}

/** Everything the attributes of one object are made of. */
export interface AttrSource {
  attr: FileAttr;
  handle: Buffer;
  minor: number;
  leaseSeconds: number;
  /** owner / owner_group strings (numeric ids, or name@domain: owner.ts). */
  owner: string;
  group: string;
  /** The fileid of the directory this object is mounted on (a share root: its pseudo entry). */
  mountedOnFileid?: bigint;
  /** Space and file counts, when needsFsstat(requested). */
  fsstat?: FsStat;
}

const ZERO_STAT: FsStat = {
  totalBytes: 0,
  freeBytes: 0,
  availBytes: 0,
  totalFiles: 0,
  freeFiles: 0,
  availFiles: 0,
};

type Encode = (v: XdrWriter, s: AttrSource, st: FsStat) => void;

const TRUE: Encode = (v) => v.bool(true);
const FALSE: Encode = (v) => v.bool(false);

/** The value encoder of each attribute GETATTR answers, by number (a dispatch table as data). */
const ENCODERS: ReadonlyMap<number, Encode> = new Map<number, Encode>([
  [a.FATTR4_SUPPORTED_ATTRS, (v, s) => encodeBitmap(v, s.minor >= 1 ? SUPPORTED_V41 : SUPPORTED_V40)],
  [a.FATTR4_TYPE, (v, s) => v.uint32(TYPE[s.attr.type])],
  [a.FATTR4_FH_EXPIRE_TYPE, (v) => v.uint32(FH4_PERSISTENT)],
  [a.FATTR4_CHANGE, (v, s) => v.uint64(changeOf(s.attr.ctime))],
  [a.FATTR4_SIZE, (v, s) => v.uint64(s.attr.size)],
  [a.FATTR4_LINK_SUPPORT, TRUE],
  [a.FATTR4_SYMLINK_SUPPORT, TRUE],
  [a.FATTR4_NAMED_ATTR, FALSE],
  [a.FATTR4_FSID, (v, s) => v.uint64(s.attr.fsid).uint64(0)],
  [a.FATTR4_UNIQUE_HANDLES, TRUE],
  [a.FATTR4_LEASE_TIME, (v, s) => v.uint32(s.leaseSeconds)],
  [a.FATTR4_RDATTR_ERROR, (v) => v.uint32(0)],
  [a.FATTR4_CANSETTIME, TRUE],
  [a.FATTR4_CASE_INSENSITIVE, FALSE],
  [a.FATTR4_CASE_PRESERVING, TRUE],
  [a.FATTR4_CHOWN_RESTRICTED, TRUE],
  [a.FATTR4_FILEHANDLE, (v, s) => v.opaque(s.handle)],
  [a.FATTR4_FILEID, (v, s) => v.uint64(s.attr.fileid)],
  [a.FATTR4_FILES_AVAIL, (v, _, st) => v.uint64(st.availFiles)],
  [a.FATTR4_FILES_FREE, (v, _, st) => v.uint64(st.freeFiles)],
  [a.FATTR4_FILES_TOTAL, (v, _, st) => v.uint64(st.totalFiles)],
  [a.FATTR4_HOMOGENEOUS, TRUE],
  [a.FATTR4_MAXFILESIZE, (v) => v.uint64(FILE_SIZE_MAX)],
  [a.FATTR4_MAXLINK, (v) => v.uint32(LINK_MAX)],
  [a.FATTR4_MAXNAME, (v) => v.uint32(NFS4_NAME_MAX)],
  [a.FATTR4_MAXREAD, (v) => v.uint64(NFS4_IO_MAX)],
  [a.FATTR4_MAXWRITE, (v) => v.uint64(NFS4_IO_MAX)],
  [a.FATTR4_MODE, (v, s) => v.uint32(s.attr.mode & 0o7777)],
  [a.FATTR4_NO_TRUNC, TRUE],
  [a.FATTR4_NUMLINKS, (v, s) => v.uint32(s.attr.nlink)],
  [a.FATTR4_OWNER, (v, s) => v.string(s.owner)],
  [a.FATTR4_OWNER_GROUP, (v, s) => v.string(s.group)],
  [a.FATTR4_RAWDEV, (v, s) => v.uint32(s.attr.rdev.major).uint32(s.attr.rdev.minor)],
  [a.FATTR4_SPACE_AVAIL, (v, _, st) => v.uint64(st.availBytes)],
  [a.FATTR4_SPACE_FREE, (v, _, st) => v.uint64(st.freeBytes)],
  [a.FATTR4_SPACE_TOTAL, (v, _, st) => v.uint64(st.totalBytes)],
  [a.FATTR4_SPACE_USED, (v, s) => v.uint64(s.attr.used)],
  [a.FATTR4_TIME_ACCESS, (v, s) => encodeTime(v, s.attr.atime)],
  [a.FATTR4_TIME_CREATE, (v, s) => encodeTime(v, s.attr.btime)],
  [a.FATTR4_TIME_DELTA, (v) => encodeTime(v, { sec: 0, nsec: 1 })],
  [a.FATTR4_TIME_METADATA, (v, s) => encodeTime(v, s.attr.ctime)],
  [a.FATTR4_TIME_MODIFY, (v, s) => encodeTime(v, s.attr.mtime)],
  [a.FATTR4_MOUNTED_ON_FILEID, (v, s) => v.uint64(s.mountedOnFileid ?? s.attr.fileid)],
  [a.FATTR4_SUPPATTR_EXCLCREAT, (v) => encodeBitmap(v, EXCLCREAT)],
]);

/**
 * Writes one attribute's value; false when this server does not answer it (write-only
 * time_*_set, unsupported ones, and suppattr_exclcreat before v4.1).
 */
function value(v: XdrWriter, n: number, s: AttrSource): boolean {
  const enc = ENCODERS.get(n);
  if (enc === undefined || (n === a.FATTR4_SUPPATTR_EXCLCREAT && s.minor < 1)) return false;
  enc(v, s, s.fsstat ?? ZERO_STAT);
  return true;
}

/** fattr4 of `s` for the attributes in `requested`. */
export function encodeFattr(w: XdrWriter, requested: Bitmap4, s: AttrSource): void {
  const vals = new XdrWriter();
  const returned: number[] = [];
  for (const n of bitmapList(requested)) if (value(vals, n, s)) returned.push(n);
  encodeBitmap(w, bitmapOf(returned));
  w.opaque(vals.toBuffer());
}

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

/** Writes one attribute's value; false when this server does not answer it. */
function value(v: XdrWriter, n: number, s: AttrSource): boolean {
  const { attr } = s;
  const st = s.fsstat ?? ZERO_STAT;
  switch (n) {
    case a.FATTR4_SUPPORTED_ATTRS:
      encodeBitmap(v, s.minor >= 1 ? SUPPORTED_V41 : SUPPORTED_V40);
      return true;
    case a.FATTR4_TYPE:
      v.uint32(TYPE[attr.type]);
      return true;
    case a.FATTR4_FH_EXPIRE_TYPE:
      v.uint32(FH4_PERSISTENT);
      return true;
    case a.FATTR4_CHANGE:
      v.uint64(changeOf(attr.ctime));
      return true;
    case a.FATTR4_SIZE:
      v.uint64(attr.size);
      return true;
    case a.FATTR4_LINK_SUPPORT:
    case a.FATTR4_SYMLINK_SUPPORT:
    case a.FATTR4_UNIQUE_HANDLES:
    case a.FATTR4_CANSETTIME:
    case a.FATTR4_CASE_PRESERVING:
    case a.FATTR4_CHOWN_RESTRICTED:
    case a.FATTR4_HOMOGENEOUS:
    case a.FATTR4_NO_TRUNC:
      v.bool(true);
      return true;
    case a.FATTR4_NAMED_ATTR:
    case a.FATTR4_CASE_INSENSITIVE:
      v.bool(false);
      return true;
    case a.FATTR4_FSID:
      v.uint64(attr.fsid).uint64(0);
      return true;
    case a.FATTR4_LEASE_TIME:
      v.uint32(s.leaseSeconds);
      return true;
    case a.FATTR4_RDATTR_ERROR:
      v.uint32(0);
      return true;
    case a.FATTR4_FILEHANDLE:
      v.opaque(s.handle);
      return true;
    case a.FATTR4_FILEID:
      v.uint64(attr.fileid);
      return true;
    case a.FATTR4_FILES_AVAIL:
      v.uint64(st.availFiles);
      return true;
    case a.FATTR4_FILES_FREE:
      v.uint64(st.freeFiles);
      return true;
    case a.FATTR4_FILES_TOTAL:
      v.uint64(st.totalFiles);
      return true;
    case a.FATTR4_MAXFILESIZE:
      v.uint64(FILE_SIZE_MAX);
      return true;
    case a.FATTR4_MAXLINK:
      v.uint32(LINK_MAX);
      return true;
    case a.FATTR4_MAXNAME:
      v.uint32(NFS4_NAME_MAX);
      return true;
    case a.FATTR4_MAXREAD:
    case a.FATTR4_MAXWRITE:
      v.uint64(NFS4_IO_MAX);
      return true;
    case a.FATTR4_MODE:
      v.uint32(attr.mode & 0o7777);
      return true;
    case a.FATTR4_NUMLINKS:
      v.uint32(attr.nlink);
      return true;
    case a.FATTR4_OWNER:
      v.string(s.owner);
      return true;
    case a.FATTR4_OWNER_GROUP:
      v.string(s.group);
      return true;
    case a.FATTR4_RAWDEV:
      v.uint32(attr.rdev.major).uint32(attr.rdev.minor);
      return true;
    case a.FATTR4_SPACE_AVAIL:
      v.uint64(st.availBytes);
      return true;
    case a.FATTR4_SPACE_FREE:
      v.uint64(st.freeBytes);
      return true;
    case a.FATTR4_SPACE_TOTAL:
      v.uint64(st.totalBytes);
      return true;
    case a.FATTR4_SPACE_USED:
      v.uint64(attr.used);
      return true;
    case a.FATTR4_TIME_ACCESS:
      encodeTime(v, attr.atime);
      return true;
    case a.FATTR4_TIME_CREATE:
      encodeTime(v, attr.btime);
      return true;
    case a.FATTR4_TIME_DELTA:
      encodeTime(v, { sec: 0, nsec: 1 });
      return true;
    case a.FATTR4_TIME_METADATA:
      encodeTime(v, attr.ctime);
      return true;
    case a.FATTR4_TIME_MODIFY:
      encodeTime(v, attr.mtime);
      return true;
    case a.FATTR4_MOUNTED_ON_FILEID:
      v.uint64(s.mountedOnFileid ?? attr.fileid);
      return true;
    case a.FATTR4_SUPPATTR_EXCLCREAT:
      if (s.minor < 1) return false;
      encodeBitmap(v, EXCLCREAT);
      return true;
    default:
      // Write-only (time_*_set) and unsupported attributes are not returned.
      return false;
  }
}

/** fattr4 of `s` for the attributes in `requested`. */
export function encodeFattr(w: XdrWriter, requested: Bitmap4, s: AttrSource): void {
  const vals = new XdrWriter();
  const returned: number[] = [];
  for (const n of bitmapList(requested)) if (value(vals, n, s)) returned.push(n);
  encodeBitmap(w, bitmapOf(returned));
  w.opaque(vals.toBuffer());
}

/**
 * NFSv3 composite wire types (RFC 1813 §2.5–2.6): fattr3, post_op_attr, wcc_data, sattr3,
 * diropargs3, nfs_fh3. Conversion between the service's FileAttr/SetAttrs and the wire lives
 * here and nowhere else.
 */
import type { FileAttr, FileType, SetAttrs, Timespec, WccAttr } from "../../../metadata/types.ts";
import { XdrError, type XdrReader } from "../xdr/reader.ts";
import type { XdrWriter } from "../xdr/writer.ts";
import {
  DONT_CHANGE,
  MAX_NAME_WIRE_BYTES,
  NF3BLK,
  NF3CHR,
  NF3DIR,
  NF3FIFO,
  NF3LNK,
  NF3REG,
  NF3SOCK,
  NFS3_FHSIZE,
  SET_TO_CLIENT_TIME,
  SET_TO_SERVER_TIME,
} from "./constants.ts";

const FTYPE3: Record<FileType, number> = {
  file: NF3REG,
  dir: NF3DIR,
  blk: NF3BLK,
  chr: NF3CHR,
  symlink: NF3LNK,
  sock: NF3SOCK,
  fifo: NF3FIFO,
};

const UINT32_MAX = 0xffff_ffff;

/** nfs_fh3: opaque<NFS3_FHSIZE>. */
export function decodeFh(r: XdrReader): Buffer {
  return r.opaque(NFS3_FHSIZE);
}

export interface DirOpArgs {
  dir: Buffer;
  name: string;
}

/** diropargs3 (§2.6). */
export function decodeDirOpArgs(r: XdrReader): DirOpArgs {
  return { dir: decodeFh(r), name: r.string(MAX_NAME_WIRE_BYTES) };
}

/** nfstime3: seconds and nanoseconds as uint32 (§2.5). Times beyond 2106 are clamped. */
export function encodeTime(w: XdrWriter, t: Timespec): void {
  w.uint32(Math.min(Math.max(t.sec, 0), UINT32_MAX)).uint32(t.nsec);
}

export function decodeTime(r: XdrReader): Timespec {
  const sec = r.uint32();
  const nsec = r.uint32();
  if (nsec >= 1e9) throw new XdrError(`nseconds ${nsec} out of range`);
  return { sec, nsec };
}

/** fattr3 (§2.6), 84 bytes. */
export function encodeFattr(w: XdrWriter, a: FileAttr): void {
  w.uint32(FTYPE3[a.type])
    .uint32(a.mode & 0o7777)
    .uint32(a.nlink)
    .uint32(a.uid)
    .uint32(a.gid);
  w.uint64(a.size).uint64(a.used).uint32(a.rdev.major).uint32(a.rdev.minor);
  w.uint64(a.fsid).uint64(a.fileid);
  encodeTime(w, a.atime);
  encodeTime(w, a.mtime);
  encodeTime(w, a.ctime);
}

/** post_op_attr: attributes_follow + fattr3. */
export function encodePostOpAttr(w: XdrWriter, a: FileAttr | null | undefined): void {
  if (a) {
    w.bool(true);
    encodeFattr(w, a);
  } else {
    w.bool(false);
  }
}

/** pre_op_attr: wcc_attr (size, mtime, ctime). */
export function encodePreOpAttr(w: XdrWriter, a: WccAttr | null | undefined): void {
  if (a) {
    w.bool(true).uint64(a.size);
    encodeTime(w, a.mtime);
    encodeTime(w, a.ctime);
  } else {
    w.bool(false);
  }
}

/** wcc_data (§2.6): before and after attributes of an object a call changed. */
export function encodeWcc(
  w: XdrWriter,
  before: WccAttr | null | undefined,
  after: FileAttr | null | undefined,
): void {
  encodePreOpAttr(w, before);
  encodePostOpAttr(w, after);
}

/** post_op_fh3. */
export function encodePostOpFh(w: XdrWriter, fh: Buffer | null): void {
  if (fh) w.bool(true).opaque(fh);
  else w.bool(false);
}

function decodeSetTime(r: XdrReader): Timespec | "now" | undefined {
  const how = r.uint32();
  if (how === DONT_CHANGE) return undefined;
  if (how === SET_TO_SERVER_TIME) return "now";
  if (how === SET_TO_CLIENT_TIME) return decodeTime(r);
  throw new XdrError(`bad time_how ${how}`);
}

/** sattr3 (§2.6) → SetAttrs; absent fields stay undefined. */
export function decodeSattr(r: XdrReader): SetAttrs {
  const s: SetAttrs = {};
  if (r.bool()) s.mode = r.uint32() & 0o7777;
  if (r.bool()) s.uid = r.uint32();
  if (r.bool()) s.gid = r.uint32();
  if (r.bool()) s.size = r.uint64Number();
  const atime = decodeSetTime(r);
  if (atime !== undefined) s.atime = atime;
  const mtime = decodeSetTime(r);
  if (mtime !== undefined) s.mtime = mtime;
  return s;
}

/** A WccAttr taken from full attributes (for pre-op attrs we read ourselves). */
export function wccOf(a: FileAttr): WccAttr {
  return { size: a.size, mtime: a.mtime, ctime: a.ctime };
}

/** CREATE/MKDIR/SYMLINK/MKNOD resok (§3.3.8–11): post_op_fh3 obj, post_op_attr, wcc_data dir. */
export function encodeCreated(
  w: XdrWriter,
  r: { handle: Buffer; attr: FileAttr; dirBefore: WccAttr; dirAfter: FileAttr },
): void {
  encodePostOpFh(w, r.handle);
  encodePostOpAttr(w, r.attr);
  encodeWcc(w, r.dirBefore, r.dirAfter);
}

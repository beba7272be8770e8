/** Client-side decoders of NFSv3 results (tests; the inverse of v3/types.ts encoders). */
import type { XdrReader } from "../xdr/reader.ts";

export interface Fattr3 {
  type: number;
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  size: bigint;
  used: bigint;
  rdev: [number, number];
  fsid: bigint;
  fileid: bigint;
  atime: [number, number];
  mtime: [number, number];
  ctime: [number, number];
}

export interface Wcc {
  before: { size: bigint; mtime: [number, number]; ctime: [number, number] } | null;
  after: Fattr3 | null;
}

const time = (r: XdrReader): [number, number] => [r.uint32(), r.uint32()];

export function decodeFattr(r: XdrReader): Fattr3 {
  return {
    type: r.uint32(),
    mode: r.uint32(),
    nlink: r.uint32(),
    uid: r.uint32(),
    gid: r.uint32(),
    size: r.uint64(),
    used: r.uint64(),
    rdev: [r.uint32(), r.uint32()],
    fsid: r.uint64(),
    fileid: r.uint64(),
    atime: time(r),
    mtime: time(r),
    ctime: time(r),
  };
}

export const postOpAttr = (r: XdrReader): Fattr3 | null => r.optional(decodeFattr);

export function wcc(r: XdrReader): Wcc {
  const before = r.optional((x) => ({ size: x.uint64(), mtime: time(x), ctime: time(x) }));
  return { before, after: postOpAttr(r) };
}

export const postOpFh = (r: XdrReader): Buffer | null => r.optional((x) => Buffer.from(x.opaque(64)));

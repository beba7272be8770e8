/**
 * fattr4 decoding for SETATTR, CREATE and OPEN (RFC 8881 §5, §18.30): the attribute values in
 * number order, each checked. A supported attribute that cannot be set is NFS4ERR_INVAL, an
 * unsupported one NFS4ERR_ATTRNOTSUPP, values that run past the opaque NFS4ERR_BADXDR.
 */
import type { SetAttrs } from "../../../../metadata/types.ts";
import { XdrError, XdrReader } from "../../xdr/reader.ts";
import {
  FATTR4_VALS_MAX,
  NFS4_OPAQUE_LIMIT,
  NFS4ERR_ATTRNOTSUPP,
  NFS4ERR_BADXDR,
  NFS4ERR_INVAL,
} from "../constants.ts";
import { Nfs4Error } from "../status.ts";
import { type Bitmap4, bitmapList, bitmapOf, decodeBitmap, decodeTime, utf8 } from "../types.ts";
import * as a from "./numbers.ts";
import { type OwnerMap, parseGroup, parseOwner } from "./owner.ts";

/** A fattr4 as it came: its bitmap and the raw values (parsed when the operation runs). */
export interface RawFattr {
  mask: Bitmap4;
  vals: Buffer;
}

export function decodeRawFattr(r: XdrReader): RawFattr {
  return { mask: decodeBitmap(r), vals: r.opaque(FATTR4_VALS_MAX) };
}

export const EMPTY_FATTR: RawFattr = { mask: [], vals: Buffer.alloc(0) };

const SUPPORTED = new Set(a.SUPPORTED_ATTRS_V40);
const WRITABLE = new Set(a.WRITABLE_ATTRS);
const SET_TO_SERVER_TIME4 = 0;
const SET_TO_CLIENT_TIME4 = 1;

function settime(r: XdrReader): SetAttrs["atime"] {
  const how = r.uint32();
  if (how === SET_TO_SERVER_TIME4) return "now";
  if (how === SET_TO_CLIENT_TIME4) return decodeTime(r);
  throw new XdrError(`bad time_how4 ${how}`);
}

function one(r: XdrReader, n: number, out: SetAttrs, owners: OwnerMap): void {
  switch (n) {
    case a.FATTR4_SIZE: {
      const size = r.uint64();
      if (size > BigInt(Number.MAX_SAFE_INTEGER)) throw new Nfs4Error(NFS4ERR_INVAL, "size");
      out.size = Number(size);
      return;
    }
    case a.FATTR4_MODE:
      out.mode = r.uint32() & 0o7777;
      return;
    case a.FATTR4_OWNER:
      out.uid = parseOwner(owners, utf8(r.opaque(NFS4_OPAQUE_LIMIT)));
      return;
    case a.FATTR4_OWNER_GROUP:
      out.gid = parseGroup(utf8(r.opaque(NFS4_OPAQUE_LIMIT)));
      return;
    case a.FATTR4_TIME_ACCESS_SET:
      out.atime = settime(r);
      return;
    case a.FATTR4_TIME_MODIFY_SET:
      out.mtime = settime(r);
      return;
    case a.FATTR4_TIME_CREATE:
      out.btime = decodeTime(r);
      return;
  }
}

/** The settable attributes of `f` and the bitmap of those set (SETATTR's attrsset). */
export function parseFattr(f: RawFattr, owners: OwnerMap): { attrs: SetAttrs; set: Bitmap4 } {
  const wanted = bitmapList(f.mask);
  for (const n of wanted) {
    if (!SUPPORTED.has(n)) throw new Nfs4Error(NFS4ERR_ATTRNOTSUPP, `attribute ${n}`);
    if (!WRITABLE.has(n)) throw new Nfs4Error(NFS4ERR_INVAL, `attribute ${n} is read-only`);
  }
  const r = new XdrReader(f.vals);
  const attrs: SetAttrs = {};
  try {
    for (const n of wanted) one(r, n, attrs, owners);
  } catch (e) {
    if (e instanceof XdrError) throw new Nfs4Error(NFS4ERR_BADXDR, e.message);
    throw e;
  }
  if (r.remaining !== 0) throw new Nfs4Error(NFS4ERR_BADXDR, "attribute values longer than the mask");
  return { attrs, set: bitmapOf(wanted) };
}

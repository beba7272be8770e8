/**
 * RFC 8881 §18.4 CREATE: a directory, symlink, device, socket or fifo named `objname` in the
 * current directory, which then becomes the current filehandle. Regular files are made by OPEN
 * (NF4REG here is BADTYPE).
 */
import type { MakeRequest } from "../../../../files/make.ts";
import type { XdrReader } from "../../xdr/reader.ts";
import { decodeRawFattr, parseFattr, type RawFattr } from "../attrs/decode.ts";
import {
  NF4BLK,
  NF4CHR,
  NF4DIR,
  NF4FIFO,
  NF4LNK,
  NF4SOCK,
  NFS4_PATH_MAX,
  NFS4ERR_BADTYPE,
  OP_CREATE,
} from "../constants.ts";
import { defineOp } from "../op.ts";
import { Nfs4Error } from "../status.ts";
import { checkName, decodeComponent, encodeBitmap, encodeChangeInfo, utf8 } from "../types.ts";

type CreateType =
  | { type: number; link?: undefined; rdev?: undefined }
  | { type: typeof NF4LNK; link: Buffer }
  | { type: typeof NF4BLK | typeof NF4CHR; rdev: { major: number; minor: number } };

interface CreateArgs {
  what: CreateType;
  name: Buffer;
  attrs: RawFattr;
}

function decodeType(r: XdrReader): CreateType {
  const type = r.uint32();
  if (type === NF4LNK) return { type, link: r.opaque(NFS4_PATH_MAX) };
  if (type === NF4BLK || type === NF4CHR) return { type, rdev: { major: r.uint32(), minor: r.uint32() } };
  return { type };
}

function makeRequest(what: CreateType): MakeRequest {
  switch (what.type) {
    case NF4DIR:
      return { type: "dir" };
    case NF4LNK:
      return { type: "symlink", target: utf8(what.link!) };
    case NF4BLK:
      return { type: "blk", rdev: what.rdev! };
    case NF4CHR:
      return { type: "chr", rdev: what.rdev! };
    case NF4SOCK:
      return { type: "sock", rdev: { major: 0, minor: 0 } };
    case NF4FIFO:
      return { type: "fifo", rdev: { major: 0, minor: 0 } };
    default:
      throw new Nfs4Error(NFS4ERR_BADTYPE, `create type ${what.type}`);
  }
}

export const create = defineOp<CreateArgs>({
  op: OP_CREATE,
  name: "CREATE",
  decode: (r) => ({ what: decodeType(r), name: decodeComponent(r), attrs: decodeRawFattr(r) }),
  async run(c, a) {
    const m = makeRequest(a.what);
    const name = checkName(a.name);
    const dir = c.file(true);
    const { attrs, set } = parseFattr(a.attrs, c.env.owners);
    const r = await c.env.files.make(dir, name, attrs, m);
    c.setFh(r.handle);
    return (w) => {
      encodeChangeInfo(w, r.dirBefore.ctime, r.dirAfter.ctime);
      encodeBitmap(w, set);
    };
  },
});

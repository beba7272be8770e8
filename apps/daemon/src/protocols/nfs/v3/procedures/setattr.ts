/**
 * RFC 1813 §3.3.2 SETATTR with sattrguard3: when the guard is set and the object's ctime differs,
 * the server must answer NFS3ERR_NOT_SYNC and change nothing. Both arms carry wcc_data.
 */
import type { FileAttr, SetAttrs, Timespec, WccAttr } from "../../../../metadata/types.ts";
import { NFSPROC3_SETATTR } from "../constants.ts";
import { defineNfsProcedure, fileOf, type NfsEnv } from "../procedure.ts";
import { decodeFh, decodeSattr, decodeTime, encodeWcc } from "../types.ts";

interface Args {
  fh: Buffer;
  attrs: SetAttrs;
  guard: Timespec | null;
}

export const setattr = (env: NfsEnv) =>
  defineNfsProcedure<Args, { before: WccAttr; after: FileAttr }>({
    proc: NFSPROC3_SETATTR,
    name: "SETATTR",
    mutates: true,
    idempotent: true,
    needsExport: true,
    fh: (a) => a.fh,
    decode: (r) => ({ fh: decodeFh(r), attrs: decodeSattr(r), guard: r.optional(decodeTime) }),
    handle: (_call, a, file) =>
      env.files.setattr(fileOf(file), { attrs: a.attrs, guardCtime: a.guard ?? undefined }),
    encode: (w, r) => encodeWcc(w, r.before, r.after),
    resfail: (a) => [{ wcc: a.fh }],
  });

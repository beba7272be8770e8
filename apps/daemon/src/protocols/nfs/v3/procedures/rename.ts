/** RFC 1813 §3.3.14 RENAME: fromdir_wcc and todir_wcc in both arms. */
import type { FileAttr, WccAttr } from "../../../../metadata/types.ts";
import { NFSPROC3_RENAME } from "../constants.ts";
import { defineNfsProcedure, type NfsEnv } from "../procedure.ts";
import { type DirOpArgs, decodeDirOpArgs, encodeWcc } from "../types.ts";

interface Res {
  fromBefore: WccAttr;
  fromAfter: FileAttr;
  toBefore: WccAttr;
  toAfter: FileAttr;
}

export const rename = (env: NfsEnv) =>
  defineNfsProcedure<{ from: DirOpArgs; to: DirOpArgs }, Res>({
    proc: NFSPROC3_RENAME,
    name: "RENAME",
    mutates: true,
    idempotent: false,
    needsExport: true,
    fh: (a) => a.from.dir,
    decode: (r) => ({ from: decodeDirOpArgs(r), to: decodeDirOpArgs(r) }),
    handle: (call, a) => env.metadata.rename(call.caller, a.from.dir, a.from.name, a.to.dir, a.to.name),
    encode(w, r) {
      encodeWcc(w, r.fromBefore, r.fromAfter);
      encodeWcc(w, r.toBefore, r.toAfter);
    },
    resfail: (a) => [{ wcc: a.from.dir }, { wcc: a.to.dir }],
  });

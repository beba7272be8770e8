/** RFC 1813 §3.3.14 RENAME: fromdir_wcc and todir_wcc in both arms. */
import type { RenameResult } from "../../../../files/names.ts";
import { NFSPROC3_RENAME } from "../constants.ts";
import { defineNfsProcedure, fileOf, type NfsEnv } from "../procedure.ts";
import { type DirOpArgs, decodeDirOpArgs, encodeWcc } from "../types.ts";

export const rename = (env: NfsEnv) =>
  defineNfsProcedure<{ from: DirOpArgs; to: DirOpArgs }, RenameResult>({
    proc: NFSPROC3_RENAME,
    name: "RENAME",
    mutates: true,
    idempotent: false,
    needsExport: true,
    fh: (a) => a.from.dir,
    decode: (r) => ({ from: decodeDirOpArgs(r), to: decodeDirOpArgs(r) }),
    handle: (_call, a, from) => env.files.rename(fileOf(from), a.from.name, a.to.dir, a.to.name),
    encode(w, r) {
      encodeWcc(w, r.fromBefore, r.fromAfter);
      encodeWcc(w, r.toBefore, r.toAfter);
    },
    resfail: (a) => [{ wcc: a.from.dir }, { wcc: a.to.dir }],
  });

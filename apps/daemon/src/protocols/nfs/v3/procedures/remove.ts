/** RFC 1813 §3.3.12 REMOVE: wcc_data of the directory in both arms. */
import type { DirChangeResult } from "../../../../metadata/types.ts";
import { NFSPROC3_REMOVE } from "../constants.ts";
import { defineNfsProcedure, fileOf, type NfsEnv } from "../procedure.ts";
import { type DirOpArgs, decodeDirOpArgs, encodeWcc } from "../types.ts";

export const remove = (env: NfsEnv) =>
  defineNfsProcedure<DirOpArgs, DirChangeResult>({
    proc: NFSPROC3_REMOVE,
    name: "REMOVE",
    mutates: true,
    idempotent: false,
    needsExport: true,
    fh: (a) => a.dir,
    decode: decodeDirOpArgs,
    handle: (_call, a, dir) => env.files.remove(fileOf(dir), a.name),
    encode: (w, r) => encodeWcc(w, r.dirBefore, r.dirAfter),
    resfail: (a) => [{ wcc: a.dir }],
  });

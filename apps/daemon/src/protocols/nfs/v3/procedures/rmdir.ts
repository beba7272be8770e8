/** RFC 1813 §3.3.13 RMDIR: wcc_data of the parent in both arms; NOTEMPTY for a non-empty dir. */
import type { DirChangeResult } from "../../../../metadata/types.ts";
import { NFSPROC3_RMDIR } from "../constants.ts";
import { defineNfsProcedure, fileOf, type NfsEnv } from "../procedure.ts";
import { type DirOpArgs, decodeDirOpArgs, encodeWcc } from "../types.ts";

export const rmdir = (env: NfsEnv) =>
  defineNfsProcedure<DirOpArgs, DirChangeResult>({
    proc: NFSPROC3_RMDIR,
    name: "RMDIR",
    mutates: true,
    idempotent: false,
    needsExport: true,
    fh: (a) => a.dir,
    decode: decodeDirOpArgs,
    handle: (_call, a, dir) => env.files.rmdir(fileOf(dir), a.name),
    encode: (w, r) => encodeWcc(w, r.dirBefore, r.dirAfter),
    resfail: (a) => [{ wcc: a.dir }],
  });

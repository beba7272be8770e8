/**
 * RFC 1813 §3.3.3 LOOKUP: LOOKUP3resok { object, obj_attributes, dir_attributes };
 * LOOKUP3resfail { dir_attributes }.
 */
import type { LookupWithDir } from "../../../../files/query.ts";
import { NFSPROC3_LOOKUP } from "../constants.ts";
import { defineNfsProcedure, fileOf, type NfsEnv } from "../procedure.ts";
import { type DirOpArgs, decodeDirOpArgs, encodePostOpAttr } from "../types.ts";

export const lookup = (env: NfsEnv) =>
  defineNfsProcedure<DirOpArgs, LookupWithDir>({
    proc: NFSPROC3_LOOKUP,
    name: "LOOKUP",
    mutates: false,
    idempotent: true,
    needsExport: true,
    fh: (a) => a.dir,
    decode: decodeDirOpArgs,
    handle: (_call, a, dir) => env.files.lookup(fileOf(dir), a.name),
    encode(w, r) {
      w.opaque(r.handle);
      encodePostOpAttr(w, r.attr);
      encodePostOpAttr(w, r.dirAttr);
    },
    resfail: (a) => [{ attr: a.dir }],
  });

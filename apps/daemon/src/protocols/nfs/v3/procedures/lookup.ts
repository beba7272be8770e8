/**
 * RFC 1813 §3.3.3 LOOKUP: LOOKUP3resok { object, obj_attributes, dir_attributes };
 * LOOKUP3resfail { dir_attributes }.
 */
import type { FileAttr, LookupResult } from "../../../../metadata/types.ts";
import { NFSPROC3_LOOKUP } from "../constants.ts";
import { defineNfsProcedure, type NfsEnv } from "../procedure.ts";
import { type DirOpArgs, decodeDirOpArgs, encodePostOpAttr } from "../types.ts";

export const lookup = (env: NfsEnv) =>
  defineNfsProcedure<DirOpArgs, LookupResult & { dirAttr: FileAttr }>({
    proc: NFSPROC3_LOOKUP,
    name: "LOOKUP",
    mutates: false,
    idempotent: true,
    needsExport: true,
    fh: (a) => a.dir,
    decode: decodeDirOpArgs,
    async handle(call, a) {
      const found = await env.metadata.lookup(call.caller, a.dir, a.name);
      return { ...found, dirAttr: await env.metadata.getattr(a.dir) };
    },
    encode(w, r) {
      w.opaque(r.handle);
      encodePostOpAttr(w, r.attr);
      encodePostOpAttr(w, r.dirAttr);
    },
    resfail: (a) => [{ attr: a.dir }],
  });

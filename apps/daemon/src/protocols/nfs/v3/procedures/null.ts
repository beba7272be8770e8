/** RFC 1813 §3.3.0 NFSPROC3_NULL: no arguments, no results (not even a status). */
import { NFSPROC3_NULL } from "../constants.ts";
import { defineNfsProcedure, type NfsEnv } from "../procedure.ts";

export const nullProc = (_env: NfsEnv) =>
  defineNfsProcedure<null, null>({
    proc: NFSPROC3_NULL,
    name: "NULL",
    mutates: false,
    idempotent: true,
    needsExport: false,
    decode: () => null,
    handle: async () => null,
    encode: () => {},
    resfail: () => [],
  });

/** RFC 1813 §3.3.4 ACCESS: the granted subset of the requested ACCESS3_* bits, truthfully. */
import type { FileAttr } from "../../../../metadata/types.ts";
import { NFSPROC3_ACCESS } from "../constants.ts";
import { defineNfsProcedure, fileOf, type NfsEnv } from "../procedure.ts";
import { decodeFh, encodePostOpAttr } from "../types.ts";

export const access = (env: NfsEnv) =>
  defineNfsProcedure<{ fh: Buffer; mask: number }, { attr: FileAttr; granted: number }>({
    proc: NFSPROC3_ACCESS,
    name: "ACCESS",
    mutates: false,
    idempotent: true,
    needsExport: true,
    fh: (a) => a.fh,
    decode: (r) => ({ fh: decodeFh(r), mask: r.uint32() }),
    handle: (_call, a, file) => env.files.access(fileOf(file), a.mask),
    encode(w, r) {
      encodePostOpAttr(w, r.attr);
      w.uint32(r.granted);
    },
    resfail: (a) => [{ attr: a.fh }],
  });

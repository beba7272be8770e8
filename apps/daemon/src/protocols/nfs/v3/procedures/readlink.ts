/** RFC 1813 §3.3.5 READLINK: symlink_attributes + nfspath3; INVAL for a non-symlink. */
import type { FileAttr } from "../../../../metadata/types.ts";
import { NFSPROC3_READLINK } from "../constants.ts";
import { defineNfsProcedure, fileOf, type NfsEnv } from "../procedure.ts";
import { decodeFh, encodePostOpAttr } from "../types.ts";

export const readlink = (env: NfsEnv) =>
  defineNfsProcedure<Buffer, { attr: FileAttr; target: string }>({
    proc: NFSPROC3_READLINK,
    name: "READLINK",
    mutates: false,
    idempotent: true,
    needsExport: true,
    fh: (fh) => fh,
    decode: decodeFh,
    handle: (_call, _fh, file) => env.files.readlink(fileOf(file)),
    encode(w, r) {
      encodePostOpAttr(w, r.attr);
      w.string(r.target);
    },
    resfail: (fh) => [{ attr: fh }],
  });

/** RFC 1813 §3.3.20 PATHCONF: POSIX limits of the export (case-sensitive, names up to 255 bytes). */
import type { FileAttr } from "../../../../metadata/types.ts";
import { NFSPROC3_PATHCONF } from "../constants.ts";
import { defineNfsProcedure, fileOf, type NfsEnv } from "../procedure.ts";
import { decodeFh, encodePostOpAttr } from "../types.ts";

export const LINK_MAX = 65535;
export const NAME_MAX_BYTES = 255;

export const pathconf = (env: NfsEnv) =>
  defineNfsProcedure<Buffer, FileAttr>({
    proc: NFSPROC3_PATHCONF,
    name: "PATHCONF",
    mutates: false,
    idempotent: true,
    needsExport: true,
    fh: (fh) => fh,
    decode: decodeFh,
    handle: (_call, _fh, file) => env.files.getattr(fileOf(file)),
    encode(w, attr) {
      encodePostOpAttr(w, attr);
      // linkmax, name_max, no_trunc, chown_restricted, case_insensitive, case_preserving
      w.uint32(LINK_MAX).uint32(NAME_MAX_BYTES).bool(true).bool(true).bool(false).bool(true);
    },
    resfail: (fh) => [{ attr: fh }],
  });

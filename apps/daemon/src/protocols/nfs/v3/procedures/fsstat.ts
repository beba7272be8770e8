/** RFC 1813 §3.3.18 FSSTAT: space and file counts; invarsec 0 (values may change at any time). */
import type { FileAttr, FsStat } from "../../../../metadata/types.ts";
import { NFSPROC3_FSSTAT } from "../constants.ts";
import { defineNfsProcedure, fileOf, type NfsEnv } from "../procedure.ts";
import { decodeFh, encodePostOpAttr } from "../types.ts";

export const fsstat = (env: NfsEnv) =>
  defineNfsProcedure<Buffer, { attr: FileAttr; st: FsStat }>({
    proc: NFSPROC3_FSSTAT,
    name: "FSSTAT",
    mutates: false,
    idempotent: true,
    needsExport: true,
    fh: (fh) => fh,
    decode: decodeFh,
    handle: (_call, _fh, file) => env.files.fsstat(fileOf(file)),
    encode(w, { attr, st }) {
      encodePostOpAttr(w, attr);
      w.uint64(st.totalBytes).uint64(st.freeBytes).uint64(st.availBytes);
      w.uint64(st.totalFiles).uint64(st.freeFiles).uint64(st.availFiles).uint32(0);
    },
    resfail: (fh) => [{ attr: fh }],
  });

/** RFC 1813 §3.3.1 GETATTR: GETATTR3resok { fattr3 obj_attributes }; the failure arm is empty. */
import type { FileAttr } from "../../../../metadata/types.ts";
import { NFSPROC3_GETATTR } from "../constants.ts";
import { defineNfsProcedure, fileOf, type NfsEnv } from "../procedure.ts";
import { decodeFh, encodeFattr } from "../types.ts";

export const getattr = (env: NfsEnv) =>
  defineNfsProcedure<Buffer, FileAttr>({
    proc: NFSPROC3_GETATTR,
    name: "GETATTR",
    mutates: false,
    idempotent: true,
    needsExport: true,
    fh: (fh) => fh,
    decode: decodeFh,
    handle: (_call, _fh, file) => env.files.getattr(fileOf(file)),
    encode: encodeFattr,
    resfail: () => [],
  });

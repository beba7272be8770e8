/**
 * RFC 1813 §3.3.19 FSINFO: 1 MiB rtmax/wtmax (also preferred), 4 KiB multiples, nanosecond time
 * granularity, hard links and symlinks supported, homogeneous, settable times.
 */
import { FILE_SIZE_MAX } from "../../../../domain/limits.ts";
import type { FileAttr } from "../../../../metadata/types.ts";
import {
  DTPREF_BYTES,
  FSF3_CANSETTIME,
  FSF3_HOMOGENEOUS,
  FSF3_LINK,
  FSF3_SYMLINK,
  NFSPROC3_FSINFO,
  RTMAX_BYTES,
  WTMAX_BYTES,
} from "../constants.ts";
import { defineNfsProcedure, fileOf, type NfsEnv } from "../procedure.ts";
import { decodeFh, encodePostOpAttr } from "../types.ts";

const MULTIPLE_BYTES = 4096;
/** RFC 1813 §3.3.19 maxfilesize: the one limit every layer checks. */
const MAX_FILE_SIZE = BigInt(FILE_SIZE_MAX);

export const fsinfo = (env: NfsEnv) =>
  defineNfsProcedure<Buffer, FileAttr>({
    proc: NFSPROC3_FSINFO,
    name: "FSINFO",
    mutates: false,
    idempotent: true,
    needsExport: true,
    fh: (fh) => fh,
    decode: decodeFh,
    handle: (_call, _fh, file) => env.files.getattr(fileOf(file)),
    encode(w, attr) {
      encodePostOpAttr(w, attr);
      w.uint32(RTMAX_BYTES).uint32(RTMAX_BYTES).uint32(MULTIPLE_BYTES);
      w.uint32(WTMAX_BYTES).uint32(WTMAX_BYTES).uint32(MULTIPLE_BYTES);
      w.uint32(DTPREF_BYTES).uint64(MAX_FILE_SIZE);
      w.uint32(0).uint32(1); // time_delta: 1 ns
      w.uint32(FSF3_LINK | FSF3_SYMLINK | FSF3_HOMOGENEOUS | FSF3_CANSETTIME);
    },
    resfail: (fh) => [{ attr: fh }],
  });

/**
 * RFC 1813 §3.3.21 COMMIT: every acknowledged write of the file is durable on return. The whole
 * file is committed whatever offset/count say (allowed: "the server may commit more").
 */
import type { FileAttr } from "../../../../metadata/types.ts";
import { NFSPROC3_COMMIT } from "../constants.ts";
import { defineNfsProcedure, fileOf, type NfsEnv } from "../procedure.ts";
import { decodeFh, encodeWcc, wccOf } from "../types.ts";

export const commit = (env: NfsEnv) =>
  defineNfsProcedure<{ fh: Buffer; offset: bigint; count: number }, { before: FileAttr; after: FileAttr }>({
    proc: NFSPROC3_COMMIT,
    name: "COMMIT",
    mutates: false,
    idempotent: true,
    needsExport: true,
    fh: (a) => a.fh,
    decode: (r) => ({ fh: decodeFh(r), offset: r.uint64(), count: r.uint32() }),
    handle: (_call, _a, file) => env.files.commit(fileOf(file)),
    encode(w, r) {
      encodeWcc(w, wccOf(r.before), r.after);
      w.fixedOpaque(env.writeVerifier);
    },
    resfail: (a) => [{ wcc: a.fh }],
  });

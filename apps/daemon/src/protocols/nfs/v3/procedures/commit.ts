/**
 * RFC 1813 §3.3.21 COMMIT: every acknowledged write of the file is durable on return. The whole
 * file is committed whatever offset/count say (allowed: "the server may commit more").
 */
import { FsError } from "../../../../domain/errors.ts";
import type { FileAttr } from "../../../../metadata/types.ts";
import { NFSPROC3_COMMIT } from "../constants.ts";
import { defineNfsProcedure, type NfsEnv } from "../procedure.ts";
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
    async handle(_call, a) {
      const before = await env.metadata.getattr(a.fh);
      if (before.type === "dir") throw new FsError("EISDIR");
      if (before.payloadId === null) throw new FsError("EINVAL", "COMMIT of a non-regular file");
      await env.payload.commit(env.metadata.shareOf(a.fh).name, before.payloadId);
      return { before, after: await env.metadata.getattr(a.fh) };
    },
    encode(w, r) {
      encodeWcc(w, wccOf(r.before), r.after);
      w.fixedOpaque(env.writeVerifier);
    },
    resfail: (a) => [{ wcc: a.fh }],
  });

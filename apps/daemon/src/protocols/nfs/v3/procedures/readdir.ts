/**
 * RFC 1813 §3.3.16 READDIR: entries after `cookie` that fit in `count` bytes, with the cookie
 * verifier; eof only when every remaining entry was sent. Cookies come from the service and stay
 * valid across concurrent inserts and removals.
 */
import type { FileAttr, ReaddirResult } from "../../../../metadata/types.ts";
import { NFS3_COOKIEVERFSIZE, NFSPROC3_READDIR } from "../constants.ts";
import { defineNfsProcedure, type NfsEnv } from "../procedure.ts";
import { decodeFh, encodePostOpAttr } from "../types.ts";
import { entriesThatFit, entriesToFetch, readdirWithDots } from "./readdir-common.ts";

interface Args {
  dir: Buffer;
  cookie: bigint;
  verifier: Buffer;
  count: number;
}

export interface ReaddirRes {
  dirAttr: FileAttr;
  result: ReaddirResult;
  /** Entries of `result` that fit the budget. */
  n: number;
}

export const readdir = (env: NfsEnv) =>
  defineNfsProcedure<Args, ReaddirRes>({
    proc: NFSPROC3_READDIR,
    name: "READDIR",
    mutates: false,
    idempotent: true,
    needsExport: true,
    fh: (a) => a.dir,
    decode: (r) => ({
      dir: decodeFh(r),
      cookie: r.uint64(),
      verifier: r.fixedOpaque(NFS3_COOKIEVERFSIZE),
      count: r.uint32(),
    }),
    async handle(call, a) {
      const max = entriesToFetch(a.count, false);
      const result = await readdirWithDots(env, call.caller, a.dir, a.cookie, a.verifier, max);
      const n = entriesThatFit(result.entries, false, a.count, Number.MAX_SAFE_INTEGER);
      return { dirAttr: await env.metadata.getattr(a.dir), result, n };
    },
    encode(w, r) {
      encodePostOpAttr(w, r.dirAttr);
      w.fixedOpaque(r.result.verifier);
      for (let i = 0; i < r.n; i++) {
        const e = r.result.entries[i]!;
        w.bool(true).uint64(e.fileid).string(e.name).uint64(e.cookie);
      }
      w.bool(false).bool(r.result.eof && r.n === r.result.entries.length);
    },
    resfail: (a) => [{ attr: a.dir }],
  });

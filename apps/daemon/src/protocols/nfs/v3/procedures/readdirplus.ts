/**
 * RFC 1813 §3.3.17 READDIRPLUS: like READDIR with each entry's attributes and handle. `dircount`
 * bounds the fileid/name/cookie bytes, `maxcount` the whole reply.
 */
import { NFS3_COOKIEVERFSIZE, NFSPROC3_READDIRPLUS } from "../constants.ts";
import { defineNfsProcedure, type NfsEnv } from "../procedure.ts";
import { decodeFh, encodePostOpAttr, encodePostOpFh } from "../types.ts";
import type { ReaddirRes } from "./readdir.ts";
import { entriesThatFit, entriesToFetch, readdirWithDots } from "./readdir-common.ts";

interface Args {
  dir: Buffer;
  cookie: bigint;
  verifier: Buffer;
  dircount: number;
  maxcount: number;
}

export const readdirplus = (env: NfsEnv) =>
  defineNfsProcedure<Args, ReaddirRes>({
    proc: NFSPROC3_READDIRPLUS,
    name: "READDIRPLUS",
    mutates: false,
    idempotent: true,
    needsExport: true,
    fh: (a) => a.dir,
    decode: (r) => ({
      dir: decodeFh(r),
      cookie: r.uint64(),
      verifier: r.fixedOpaque(NFS3_COOKIEVERFSIZE),
      dircount: r.uint32(),
      maxcount: r.uint32(),
    }),
    async handle(call, a) {
      const max = Math.min(entriesToFetch(a.maxcount, true), entriesToFetch(a.dircount + 200, false));
      const result = await readdirWithDots(env, call.caller, a.dir, a.cookie, a.verifier, max);
      // Some clients send a dircount smaller than one entry; never let it starve the reply.
      const n = entriesThatFit(result.entries, true, a.maxcount, Math.max(a.dircount, 512));
      return { dirAttr: await env.metadata.getattr(a.dir), result, n };
    },
    encode(w, r) {
      encodePostOpAttr(w, r.dirAttr);
      w.fixedOpaque(r.result.verifier);
      for (let i = 0; i < r.n; i++) {
        const e = r.result.entries[i]!;
        w.bool(true).uint64(e.fileid).string(e.name).uint64(e.cookie);
        encodePostOpAttr(w, e.attr);
        encodePostOpFh(w, e.handle);
      }
      w.bool(false).bool(r.result.eof && r.n === r.result.entries.length);
    },
    resfail: (a) => [{ attr: a.dir }],
  });

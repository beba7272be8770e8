/**
 * RFC 1813 §3.3.17 READDIRPLUS: like READDIR with each entry's attributes and handle. `dircount`
 * bounds the fileid/name/cookie bytes, `maxcount` the whole reply.
 */
import { NFSPROC3_READDIRPLUS } from "../constants.ts";
import { defineNfsProcedure, fileOf, type NfsEnv } from "../procedure.ts";
import { encodePostOpAttr, encodePostOpFh } from "../types.ts";
import {
  decodeReaddirHead,
  encodeReaddirPage,
  entriesToFetch,
  type ReaddirHead,
  type ReaddirRes,
  readdirPage,
} from "./readdir-common.ts";

type Args = ReaddirHead & { dircount: number; maxcount: number };

/** Some clients send a dircount smaller than one entry; it never starves the reply below this. */
const DIRCOUNT_FLOOR_BYTES = 512;

export const readdirplus = (env: NfsEnv) =>
  defineNfsProcedure<Args, ReaddirRes>({
    proc: NFSPROC3_READDIRPLUS,
    name: "READDIRPLUS",
    mutates: false,
    idempotent: true,
    needsExport: true,
    fh: (a) => a.dir,
    decode: (r) => ({ ...decodeReaddirHead(r), dircount: r.uint32(), maxcount: r.uint32() }),
    handle: (_call, a, dir) =>
      readdirPage(env, fileOf(dir), a, {
        plus: true,
        fetch: Math.min(
          entriesToFetch(a.maxcount, true, a.dir.length),
          entriesToFetch(a.dircount + 200, false),
        ),
        maxBytes: a.maxcount,
        dirBytes: Math.max(a.dircount, DIRCOUNT_FLOOR_BYTES),
      }),
    encode: (w, r) =>
      encodeReaddirPage(w, r, (w, e) => {
        encodePostOpAttr(w, e.attr);
        encodePostOpFh(w, e.handle);
      }),
    resfail: (a) => [{ attr: a.dir }],
  });

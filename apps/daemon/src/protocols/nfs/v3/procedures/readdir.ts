/**
 * RFC 1813 §3.3.16 READDIR: entries after `cookie` that fit in `count` bytes, with the cookie
 * verifier; eof only when every remaining entry was sent. Cookies come from the service and stay
 * valid across concurrent inserts and removals.
 */
import { NFSPROC3_READDIR } from "../constants.ts";
import { defineNfsProcedure, fileOf, type NfsEnv } from "../procedure.ts";
import {
  decodeReaddirHead,
  encodeReaddirPage,
  entriesToFetch,
  type ReaddirHead,
  type ReaddirRes,
  readdirPage,
} from "./readdir-common.ts";

type Args = ReaddirHead & { count: number };

export const readdir = (env: NfsEnv) =>
  defineNfsProcedure<Args, ReaddirRes>({
    proc: NFSPROC3_READDIR,
    name: "READDIR",
    mutates: false,
    idempotent: true,
    needsExport: true,
    fh: (a) => a.dir,
    decode: (r) => ({ ...decodeReaddirHead(r), count: r.uint32() }),
    handle: (_call, a, dir) =>
      readdirPage(env, fileOf(dir), a, {
        plus: false,
        fetch: entriesToFetch(a.count, false),
        maxBytes: a.count,
        dirBytes: Number.MAX_SAFE_INTEGER,
      }),
    encode: (w, r) => encodeReaddirPage(w, r),
    resfail: (a) => [{ attr: a.dir }],
  });

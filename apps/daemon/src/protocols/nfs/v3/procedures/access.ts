/** RFC 1813 §3.3.4 ACCESS: the granted subset of the requested ACCESS3_* bits, truthfully. */
import { ACCESS_DELETE, ACCESS_EXTEND, ACCESS_MODIFY, type FileAttr } from "../../../../metadata/types.ts";
import { NFSPROC3_ACCESS } from "../constants.ts";
import { defineNfsProcedure, fileOf, type NfsEnv } from "../procedure.ts";
import { decodeFh, encodePostOpAttr } from "../types.ts";

const WRITE_BITS = ACCESS_MODIFY | ACCESS_EXTEND | ACCESS_DELETE;

export const access = (env: NfsEnv) =>
  defineNfsProcedure<{ fh: Buffer; mask: number }, { attr: FileAttr; granted: number }>({
    proc: NFSPROC3_ACCESS,
    name: "ACCESS",
    mutates: false,
    idempotent: true,
    needsExport: true,
    fh: (a) => a.fh,
    decode: (r) => ({ fh: decodeFh(r), mask: r.uint32() }),
    async handle(call, a, file) {
      let granted = await env.metadata.access(call.caller, a.fh, a.mask);
      // A read-only grant or client entry takes away what mode bits would allow.
      if (fileOf(file).access?.level !== "read-write") granted &= ~WRITE_BITS;
      return { attr: await env.metadata.getattr(a.fh), granted: granted & a.mask };
    },
    encode(w, r) {
      encodePostOpAttr(w, r.attr);
      w.uint32(r.granted);
    },
    resfail: (a) => [{ attr: a.fh }],
  });

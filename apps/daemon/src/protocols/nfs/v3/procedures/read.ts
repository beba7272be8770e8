/**
 * RFC 1813 §3.3.6 READ. The count is clipped to rtmax and to the file size from prepareRead;
 * eof is set when the reply reaches the end of the file. The data (views of cached blocks) goes to
 * the socket by reference (XdrWriter.opaqueRefs), never copied.
 */
import type { FileAttr } from "../../../../metadata/types.ts";
import { NFSPROC3_READ, RTMAX_BYTES } from "../constants.ts";
import { defineNfsProcedure, fileOf, type NfsEnv } from "../procedure.ts";
import { decodeFh, encodePostOpAttr } from "../types.ts";

interface Args {
  fh: Buffer;
  offset: number;
  count: number;
}

interface Res {
  attr: FileAttr;
  parts: readonly Buffer[];
  length: number;
  eof: boolean;
  held?: readonly Buffer[];
}

const MAX_OFFSET = BigInt(Number.MAX_SAFE_INTEGER);

export const read = (env: NfsEnv) =>
  defineNfsProcedure<Args, Res>({
    proc: NFSPROC3_READ,
    name: "READ",
    mutates: false,
    idempotent: true,
    needsExport: true,
    counted: true,
    fh: (a) => a.fh,
    decode: (r) => {
      const fh = decodeFh(r);
      const wire = r.uint64();
      // An offset past 2^53 is past any file's end: an empty read with eof.
      const offset = wire > MAX_OFFSET ? Number.MAX_SAFE_INTEGER : Number(wire);
      return { fh, offset, count: r.uint32() };
    },
    handle: (_call, a, file) =>
      env.files.read(fileOf(file), {
        offset: a.offset,
        count: Math.min(a.count, RTMAX_BYTES),
        // The reply holds the parts' memory until its write completed (rpc/connection.ts).
        hold: true,
      }),
    encode(w, r) {
      w.hold(r.held);
      encodePostOpAttr(w, r.attr);
      w.uint32(r.length).bool(r.eof).opaqueRefs(r.parts, r.length);
    },
    resfail: (a) => [{ attr: a.fh }],
  });

/**
 * RFC 1813 §3.3.7 WRITE. UNSTABLE goes to the WAL and cache only; DATA_SYNC and FILE_SYNC are
 * durable before the reply (the payload service's group-commit fdatasync). The reply carries the
 * boot-time write verifier so a client notices a restart and resends uncommitted data.
 */
import { FsError } from "../../../../domain/errors.ts";
import type { FileAttr, WccAttr } from "../../../../metadata/types.ts";
import type { Stability } from "../../../../payload/types.ts";
import { XdrError } from "../../xdr/reader.ts";
import { DATA_SYNC, FILE_SYNC, NFSPROC3_WRITE, UNSTABLE, WTMAX_BYTES } from "../constants.ts";
import { defineNfsProcedure, type NfsEnv } from "../procedure.ts";
import { decodeFh, encodeWcc } from "../types.ts";

interface Args {
  fh: Buffer;
  offset: number;
  stable: number;
  data: Buffer;
}

interface Res {
  before: WccAttr;
  after: FileAttr;
  count: number;
  committed: number;
}

const MAX_OFFSET = BigInt(Number.MAX_SAFE_INTEGER);

const STABILITY: Record<number, Stability> = {
  [UNSTABLE]: "unstable",
  [DATA_SYNC]: "data_sync",
  [FILE_SYNC]: "file_sync",
};

export const write = (env: NfsEnv) =>
  defineNfsProcedure<Args, Res>({
    proc: NFSPROC3_WRITE,
    name: "WRITE",
    mutates: true,
    idempotent: true,
    needsExport: true,
    fh: (a) => a.fh,
    decode(r) {
      const fh = decodeFh(r);
      const wire = r.uint64();
      // Offsets beyond 2^53 cannot be stored: answered FBIG (RFC 1813 §3.3.7), not GARBAGE_ARGS.
      const offset = wire > MAX_OFFSET ? Number.POSITIVE_INFINITY : Number(wire);
      const count = r.uint32();
      const stable = r.uint32();
      if (STABILITY[stable] === undefined) throw new XdrError(`bad stable_how ${stable}`);
      const data = r.opaque(WTMAX_BYTES);
      // §3.3.7: count is the number of bytes in data; a shorter count limits the write.
      return { fh, offset, stable, data: count < data.length ? data.subarray(0, count) : data };
    },
    async handle(call, a) {
      if (!Number.isSafeInteger(a.offset + a.data.length)) throw new FsError("EFBIG");
      const { payloadId, before } = await env.metadata.prepareWrite(call.caller, a.fh);
      const share = env.metadata.shareOf(a.fh).name;
      await env.payload.writeAt(share, payloadId, a.offset, a.data, STABILITY[a.stable]);
      const after = await env.metadata.commitWrite(a.fh, a.offset + a.data.length);
      return { before, after, count: a.data.length, committed: a.stable };
    },
    encode(w, r) {
      encodeWcc(w, r.before, r.after);
      w.uint32(r.count).uint32(r.committed).fixedOpaque(env.writeVerifier);
    },
    resfail: (a) => [{ wcc: a.fh }],
  });

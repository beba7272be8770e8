/**
 * RFC 1813 §3.3.7 WRITE. UNSTABLE goes to the WAL and cache only; DATA_SYNC and FILE_SYNC are
 * durable before the reply (the payload service's group-commit fdatasync). The reply carries the
 * boot-time write verifier so a client notices a restart and resends uncommitted data.
 */

import { vouch } from "../../../../domain/buffer-pool.ts";
import type { FileAttr, WccAttr } from "../../../../metadata/types.ts";
import type { Stability } from "../../../../payload/types.ts";
import { XdrError } from "../../xdr/reader.ts";
import { DATA_SYNC, FILE_SYNC, NFSPROC3_WRITE, UNSTABLE, WTMAX_BYTES } from "../constants.ts";
import { defineNfsProcedure, fileOf, type NfsEnv } from "../procedure.ts";
import { decodeFh, encodeWcc } from "../types.ts";

interface Args {
  fh: Buffer;
  offset: bigint;
  stable: number;
  stability: Stability;
  data: Buffer;
}

interface Res {
  before: WccAttr;
  after: FileAttr | null;
  count: number;
  committed: number;
}

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
    counted: true,
    fh: (a) => a.fh,
    decode(r) {
      // A copy: the record's memory is reused once the call ends (handle() vouches for it).
      const fh = Buffer.from(decodeFh(r));
      // Offsets past the largest file size are answered FBIG (RFC 1813 §3.3.7), not GARBAGE_ARGS.
      const offset = r.uint64();
      const count = r.uint32();
      const stable = r.uint32();
      const stability = STABILITY[stable];
      if (stability === undefined) throw new XdrError(`bad stable_how ${stable}`);
      const data = r.opaque(WTMAX_BYTES);
      // §3.3.7: count is the number of bytes in data; a shorter count limits the write.
      return { fh, offset, stable, stability, data: count < data.length ? data.subarray(0, count) : data };
    },
    async handle(_call, a, file) {
      // Nothing but `data` refers to the record now (the handle and the credential are copies):
      // the payload cache may keep it and the pool reuse it afterwards (domain/buffer-pool.ts).
      vouch(a.data);
      const w = { offset: a.offset, data: a.data, stability: a.stability };
      const { before, after, count } = await env.files.write(fileOf(file), w);
      return { before, after, count, committed: a.stable };
    },
    encode(w, r) {
      encodeWcc(w, r.before, r.after);
      w.uint32(r.count).uint32(r.committed).fixedOpaque(env.writeVerifier);
    },
    resfail: (a) => [{ wcc: a.fh }],
  });

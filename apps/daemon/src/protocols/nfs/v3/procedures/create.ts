/**
 * RFC 1813 §3.3.8 CREATE: UNCHECKED, GUARDED (EXIST if present) or EXCLUSIVE, where the service
 * keeps the createverf3 so a retransmitted EXCLUSIVE create with the same verifier succeeds.
 */
import type { CreateHow, MutationResult, SetAttrs } from "../../../../metadata/types.ts";
import { XdrError } from "../../xdr/reader.ts";
import { EXCLUSIVE, GUARDED, NFS3_CREATEVERFSIZE, NFSPROC3_CREATE, UNCHECKED } from "../constants.ts";
import { defineNfsProcedure, fileOf, type NfsEnv } from "../procedure.ts";
import { type DirOpArgs, decodeDirOpArgs, decodeSattr, encodeCreated } from "../types.ts";

interface Args {
  where: DirOpArgs;
  how: CreateHow;
  attrs: SetAttrs;
}

export const create = (env: NfsEnv) =>
  defineNfsProcedure<Args, MutationResult>({
    proc: NFSPROC3_CREATE,
    name: "CREATE",
    mutates: true,
    idempotent: false,
    needsExport: true,
    fh: (a) => a.where.dir,
    decode(r) {
      const where = decodeDirOpArgs(r);
      const mode = r.uint32();
      if (mode === UNCHECKED || mode === GUARDED) {
        return { where, how: { mode: mode === UNCHECKED ? "unchecked" : "guarded" }, attrs: decodeSattr(r) };
      }
      if (mode === EXCLUSIVE) {
        const verifier = Buffer.from(r.fixedOpaque(NFS3_CREATEVERFSIZE));
        return { where, how: { mode: "exclusive", verifier }, attrs: {} };
      }
      throw new XdrError(`bad createmode3 ${mode}`);
    },
    handle: (_call, a, dir) => env.files.create(fileOf(dir), a.where.name, a.attrs, a.how),
    encode: encodeCreated,
    resfail: (a) => [{ wcc: a.where.dir }],
  });

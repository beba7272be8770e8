/**
 * NFS version 4 as an RPC program (RFC 7530 §16, RFC 8881 §16): program 100003 version 4 beside
 * NFSv3 on the adapter's port, with NULL and COMPOUND. COMPOUND bypasses the duplicate request
 * cache (v4.1 has the session reply cache; v4.0's non-idempotent operations carry seqids).
 */
import { NFS_PROGRAM } from "../rpc/constants.ts";
import {
  type AnyProcedure,
  type CallContext,
  defineProcedure,
  procedureTable,
  type RpcProgram,
} from "../rpc/program.ts";
import type { XdrWriter } from "../xdr/writer.ts";
import { type CompoundArgs, decodeCompound, runCompound } from "./compound.ts";
import { NFS_V4, NFSPROC4_COMPOUND, NFSPROC4_NULL } from "./constants.ts";
import type { Nfs4Env } from "./op.ts";
import { nfs4OpTable } from "./ops/index.ts";
import { LOCKING_OPS } from "./ops/locking.ts";

export function nfs4Program(env: Nfs4Env): RpcProgram {
  const ops = nfs4OpTable(LOCKING_OPS);
  const nullProc = defineProcedure<undefined, undefined>({
    proc: NFSPROC4_NULL,
    name: "NULL",
    mutates: false,
    idempotent: true,
    needsExport: false,
    decode: () => undefined,
    handle: async () => undefined,
    encode: () => {},
  });
  const compound = defineProcedure<CompoundArgs, undefined>({
    proc: NFSPROC4_COMPOUND,
    name: "COMPOUND",
    mutates: false,
    idempotent: true,
    needsExport: false,
    decode: decodeCompound,
    handle: async () => undefined,
    encode: () => {},
  });
  const table = procedureTable([nullProc, compound]);
  return {
    prog: NFS_PROGRAM,
    name: "nfs4",
    lowVersion: NFS_V4,
    highVersion: NFS_V4,
    procedures: (v) => (v === NFS_V4 ? table : undefined),
    async run(call: CallContext, spec: AnyProcedure, args: unknown, w: XdrWriter): Promise<boolean> {
      if (spec.proc === NFSPROC4_NULL) return true;
      return runCompound(env, ops, call, args as CompoundArgs, w);
    },
  };
}

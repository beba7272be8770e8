/**
 * NFSv3 procedure plumbing: the environment procedures run in, the spec shape (the generic RPC
 * spec plus the handle to export-check and the resfail arm), and the program's `run` wrapper that
 * applies the dispatch flags and turns errors into nfsstat3 + resfail (RFC 1813 §3.3: every
 * failing reply still carries its post_op_attr / wcc_data arm).
 */
import type { Logger } from "pino";
import { FsError } from "../../../domain/errors.ts";
import type { FileAttr, MetadataService } from "../../../metadata/types.ts";
import type { PayloadService } from "../../../payload/types.ts";
import { NFS_PROGRAM } from "../rpc/constants.ts";
import type { AnyProcedure, CallContext, ProcedureSpec, RpcProgram } from "../rpc/program.ts";
import { procedureTable } from "../rpc/program.ts";
import { nfsStatus } from "../status.ts";
import type { XdrWriter } from "../xdr/writer.ts";
import { NFS_V3, NFS3_OK, NFS3ERR_ACCES, NFS3ERR_SERVERFAULT } from "./constants.ts";
import { encodePostOpAttr, encodeWcc } from "./types.ts";

export interface NfsEnv {
  metadata: MetadataService;
  payload: PayloadService;
  logger: Logger;
  /** RFC 1813 §3.3.7 writeverf3: new at every adapter start so clients resend uncommitted data. */
  writeVerifier: Buffer;
}

/** One element of a resfail arm: post_op_attr or wcc_data (pre absent) of a handle. */
export type FailPart = { attr: Buffer } | { wcc: Buffer } | { attrOrNothing: Buffer | null };

export interface NfsProcedureSpec<A, R> extends ProcedureSpec<A, R> {
  /** The handle whose share is checked (exported over NFS, read-only). Required with needsExport. */
  fh?(args: A): Buffer;
  /** The resfail arm in wire order; empty for procedures whose failure carries nothing. */
  resfail(args: A): FailPart[];
}

// biome-ignore lint/suspicious/noExplicitAny: heterogeneous table
type AnyNfsProcedure = NfsProcedureSpec<any, any>;

export function defineNfsProcedure<A, R>(spec: NfsProcedureSpec<A, R>): AnyProcedure {
  return spec;
}

/** Attributes for a post-op arm; failures to read them leave the arm empty (RFC allows it). */
async function attrOrNull(env: NfsEnv, fh: Buffer): Promise<FileAttr | null> {
  try {
    return await env.metadata.getattr(fh);
  } catch {
    return null;
  }
}

export async function writeResfail(env: NfsEnv, w: XdrWriter, parts: FailPart[]): Promise<void> {
  for (const p of parts) {
    if ("attr" in p) encodePostOpAttr(w, await attrOrNull(env, p.attr));
    else if ("wcc" in p) encodeWcc(w, null, await attrOrNull(env, p.wcc));
    else encodePostOpAttr(w, p.attrOrNothing ? await attrOrNull(env, p.attrOrNothing) : null);
  }
}

/** Flag checks the dispatcher applies to every procedure, in one place (style.md §2). */
function checkExport(env: NfsEnv, spec: AnyNfsProcedure, args: unknown): void {
  if (!spec.needsExport || spec.fh === undefined) return;
  const share = env.metadata.shareOf(spec.fh(args));
  if (!share.protocols.nfs) throw new FsError("EACCES", `share ${share.name} is not exported over NFS`);
  if (spec.mutates && share.readOnly) throw new FsError("EROFS", `share ${share.name} is read-only`);
}

export function nfsProgram(env: NfsEnv, procedures: AnyProcedure[]): RpcProgram {
  const table = procedureTable(procedures);
  return {
    prog: NFS_PROGRAM,
    name: "nfs",
    lowVersion: NFS_V3,
    highVersion: NFS_V3,
    procedures: (v) => (v === NFS_V3 ? table : undefined),
    async run(call: CallContext, spec: AnyProcedure, args: unknown, w: XdrWriter): Promise<boolean> {
      const nfs = spec as AnyNfsProcedure;
      try {
        checkExport(env, nfs, args);
        const res = await nfs.handle(call, args);
        if (nfs.proc !== 0) w.uint32(NFS3_OK);
        nfs.encode(w, res);
        return true;
      } catch (e) {
        let status = nfsStatus(e, nfs.name);
        if (status === null) {
          env.logger.error({ err: e, proc: nfs.name }, "nfs procedure failed unexpectedly");
          status = NFS3ERR_SERVERFAULT;
        }
        w.uint32(status === NFS3_OK ? NFS3ERR_ACCES : status);
        await writeResfail(env, w, nfs.resfail(args));
        return false;
      }
    },
  };
}

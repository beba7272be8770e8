/**
 * NFSv3 procedure plumbing: the environment procedures run in, the spec shape (the generic RPC
 * spec plus the handle to export-check and the resfail arm), and the program's `run` wrapper that
 * applies the dispatch flags and turns errors into nfsstat3 + resfail (RFC 1813 §3.3: every
 * failing reply still carries its post_op_attr / wcc_data arm).
 */
import type { Logger } from "pino";
import { AccessRefused, type FileService } from "../../../files/service.ts";
import type { FileCall } from "../../../files/types.ts";
import { NFS_PROGRAM } from "../rpc/constants.ts";
import type { AnyProcedure, CallContext, ProcedureSpec, RpcProgram } from "../rpc/program.ts";
import { procedureTable } from "../rpc/program.ts";
import { nfsStatus } from "../status.ts";
import type { XdrWriter } from "../xdr/writer.ts";
import { NFS_V3, NFS3_OK, NFS3ERR_ACCES, NFS3ERR_SERVERFAULT } from "./constants.ts";
import { encodePostOpAttr, encodeWcc } from "./types.ts";

export interface NfsEnv {
  files: FileService;
  logger: Logger;
  /** RFC 1813 §3.3.7 writeverf3: new at every adapter start so clients resend uncommitted data. */
  writeVerifier: Buffer;
  /** The connected clients (ClientRegistry ids) of a host's mounts by share (MountTable.clientsOf). */
  clientsOf?(host: string): ReadonlyMap<string, string> | undefined;
}

/** One element of a resfail arm: post_op_attr or wcc_data (pre absent) of a handle. */
export type FailPart = { attr: Buffer } | { wcc: Buffer } | { attrOrNothing: Buffer | null };

export interface NfsProcedureSpec<A, R> extends ProcedureSpec<A, R> {
  /** The handle whose share is checked (exported over NFS, read-only). Required with needsExport. */
  fh?(args: A): Buffer;
  /**
   * `file` is the handle of `fh` resolved once by the dispatcher (share looked up, export and
   * read-only checked); present whenever the procedure has `needsExport` and `fh`.
   */
  handle(call: CallContext, args: A, file?: FileCall): Promise<R>;
  /** READ and WRITE: the resolved file names the client (the host's mount) its bytes are counted for. */
  counted?: boolean;
  /** The resfail arm in wire order; empty for procedures whose failure carries nothing. */
  resfail(args: A): FailPart[];
}

// biome-ignore lint/suspicious/noExplicitAny: heterogeneous table
type AnyNfsProcedure = NfsProcedureSpec<any, any>;

export function defineNfsProcedure<A, R>(spec: NfsProcedureSpec<A, R>): AnyProcedure {
  return spec;
}

/** The resfail arm in wire order; attributes that cannot be read leave their arm empty (RFC allows it). */
export async function writeResfail(env: NfsEnv, w: XdrWriter, parts: FailPart[]): Promise<void> {
  const { files } = env;
  for (const p of parts) {
    if ("attr" in p) encodePostOpAttr(w, await files.attrOrNull(p.attr));
    else if ("wcc" in p) encodeWcc(w, null, await files.attrOrNull(p.wcc));
    else encodePostOpAttr(w, p.attrOrNothing ? await files.attrOrNull(p.attrOrNothing) : null);
  }
}

/** The same resfail arm shape with every attribute absent (a call the access policy refused). */
function writeEmptyResfail(w: XdrWriter, parts: FailPart[]): void {
  for (const p of parts) {
    if ("wcc" in p) encodeWcc(w, null, null);
    else encodePostOpAttr(w, null);
  }
}

/**
 * Flag checks the dispatcher applies to every procedure, in one place (docs/architecture.md
 * "Conventions"): the file service resolves the handle once, checking the share is exported over
 * NFS and writable, and runs the share's access policy on this peer and AUTH_SYS uid (client
 * list, grants, anonymous policy: domain/share-access.ts); a mutating procedure needs read-write.
 */
function resolveFile(
  env: NfsEnv,
  spec: AnyNfsProcedure,
  call: CallContext,
  args: unknown,
): FileCall | undefined {
  if (!spec.needsExport || spec.fh === undefined) return undefined;
  return env.files.resolve(call.caller, spec.fh(args), {
    protocol: "nfs",
    mutates: spec.mutates,
    peer: { address: call.remoteAddress, uid: call.auth?.uid ?? null },
    clients: spec.counted ? env.clientsOf?.(call.remoteAddress) : undefined,
  });
}

/** The resolved file of a procedure with `needsExport` and `fh` (programmer error otherwise). */
export function fileOf(file: FileCall | undefined): FileCall {
  if (file === undefined) throw new Error("procedure without needsExport/fh asked for its file");
  return file;
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
        const file = resolveFile(env, nfs, call, args);
        const res = await nfs.handle(call, args, file);
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
        if (e instanceof AccessRefused) writeEmptyResfail(w, nfs.resfail(args));
        else await writeResfail(env, w, nfs.resfail(args));
        return false;
      }
    },
  };
}

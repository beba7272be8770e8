/**
 * What an RPC program registers with the dispatcher: procedures as data (one `ProcedureSpec`
 * per procedure, with the flags the dispatcher acts on) and an optional `run` wrapper through
 * which the program maps its own errors (NFS: FsError → nfsstat3 with the resfail arm).
 */

import type { Caller } from "../../../metadata/types.ts";
import type { XdrReader } from "../xdr/reader.ts";
import type { XdrWriter } from "../xdr/writer.ts";
import type { AuthSys } from "./message.ts";

/** Who sent a call, for handlers (identity, mount tracking, lock owners). */
export interface CallContext {
  xid: number;
  caller: Caller;
  auth: AuthSys | null;
  remoteAddress: string;
  remotePort: number;
}

export interface ProcedureSpec<A = unknown, R = unknown> {
  proc: number;
  /** RFC name, for logs and metrics ("READ", "MNT", "LOCK"). */
  name: string;
  /** Changes state: refused on read-only exports. */
  mutates: boolean;
  /** Safe to re-execute; non-idempotent mutating procedures go through the duplicate request cache. */
  idempotent: boolean;
  /** Takes a file handle whose share must exist and be exported over NFS. */
  needsExport: boolean;
  /** Throws XdrError on malformed input (→ GARBAGE_ARGS). */
  decode(r: XdrReader): A;
  handle(call: CallContext, args: A): Promise<R>;
  /** Writes the results after the accepted-reply header. */
  encode(w: XdrWriter, res: R): void;
}

/** Erases argument/result types so procedures of different shapes fit in one table. */
// biome-ignore lint/suspicious/noExplicitAny: the table is heterogeneous by design
export type AnyProcedure = ProcedureSpec<any, any>;

export function defineProcedure<A, R>(spec: ProcedureSpec<A, R>): AnyProcedure {
  return spec;
}

export interface RpcProgram {
  prog: number;
  /** "nfs", "mount", "nlm", "portmap": the metrics label. */
  name: string;
  lowVersion: number;
  highVersion: number;
  /** Procedures of each version, indexed by procedure number. */
  procedures(version: number): ReadonlyMap<number, AnyProcedure> | undefined;
  /**
   * Runs a decoded call and writes its results. Defaults to handle + encode. A program whose
   * handlers throw its own domain errors (NFS) maps them here. Resolves false when the reply
   * carries a failure status (for metrics).
   */
  run?(call: CallContext, spec: AnyProcedure, args: unknown, w: XdrWriter): Promise<boolean>;
}

export function procedureTable(specs: AnyProcedure[]): ReadonlyMap<number, AnyProcedure> {
  const m = new Map<number, AnyProcedure>();
  for (const s of specs) {
    if (m.has(s.proc)) throw new Error(`duplicate procedure ${s.proc} (${s.name})`);
    m.set(s.proc, s);
  }
  return m;
}

/**
 * Turns one RPC record into one reply (RFC 5531 §9). The error layers (docs/architecture.md "Errors") meet
 * here: an undecodable header closes the connection (ProtocolError); RPC-level failures become
 * accepted/denied replies; program-level failures are successful replies written by the program.
 */
import type { Logger } from "pino";
import { releaseAll } from "../../../domain/buffer-pool.ts";
import type { ProtocolMetrics } from "../../../domain/stats.ts";
import type { Caller } from "../../../metadata/types.ts";
import { XdrError, XdrReader } from "../xdr/reader.ts";
import { XdrWriter } from "../xdr/writer.ts";
import {
  AUTH_BADCRED,
  AUTH_NONE,
  AUTH_SYS,
  GARBAGE_ARGS,
  PROC_UNAVAIL,
  PROG_MISMATCH,
  PROG_UNAVAIL,
  RPC_VERSION,
  SYSTEM_ERR,
} from "./constants.ts";
import { DuplicateRequestCache } from "./drc.ts";
import {
  acceptedError,
  authError,
  beginAcceptedReply,
  type CallHeader,
  CredentialCache,
  decodeCallHeader,
  rpcMismatch,
} from "./message.ts";
import type { AnyProcedure, CallContext, RpcProgram } from "./program.ts";

/** The call header itself is undecodable: nothing sensible to reply, close the connection. */
export class ProtocolError extends Error {
  override readonly name = "ProtocolError";
}

/**
 * A reply's buffers (no record mark). `held`: receive-pool memory its READ data points into
 * (XdrWriter.hold): whoever takes the reply must `releaseAll` it exactly once, after the socket
 * write that carries the bytes completed, or when the reply is dropped (docs/payload.md "Receive
 * buffers").
 */
export type RpcReply = Buffer[] & { held?: readonly Buffer[] };

export interface Peer {
  address: string;
  port: number;
}

/** RFC 5531 leaves AUTH_NONE callers anonymous; they act as nobody. */
export const ANONYMOUS_ID = 65534;

export interface DispatcherOptions {
  logger: Logger;
  metrics?: ProtocolMetrics;
  /** The adapter's protocol label for metrics ("nfs"); ops of other programs are `<program>.<PROC>`. */
  metricsProtocol?: string;
  drc?: DuplicateRequestCache;
  /**
   * A decoded call, before its handler: the first of each connection and then at most one per
   * ON_CALL_INTERVAL_MS (the adapter marks the peer's mounts active, to the second).
   */
  onCall?: (peer: Peer) => void;
}

/** A decoded call header with the program and procedure that serve it. */
interface Routed {
  h: CallHeader;
  r: XdrReader;
  program: RpcProgram;
  spec: AnyProcedure;
}

/** How often one connection's calls reach `onCall` (the mount table keeps activity to the second). */
export const ON_CALL_INTERVAL_MS = 1_000;

/** RFC 5531 leaves AUTH_NONE callers anonymous; one shared (frozen) identity. */
const ANONYMOUS: Caller = Object.freeze({
  uid: ANONYMOUS_ID,
  gid: ANONYMOUS_ID,
  gids: Object.freeze<number[]>([]) as number[],
});

/** What the dispatcher keeps for one connection between its calls. */
export class ConnectionCalls {
  readonly credentials = new CredentialCache();
  /** When `onCall` last ran for this connection (Date.now() ms, the clock the mount table keeps). */
  onCallAt = Number.NEGATIVE_INFINITY;
}

export class RpcDispatcher {
  /** Programs by number; one number may be served by several (NFSv3 and NFSv4 on 100003). */
  private readonly programs = new Map<number, RpcProgram[]>();
  readonly drc: DuplicateRequestCache;

  constructor(
    programs: RpcProgram[],
    private readonly opts: DispatcherOptions,
  ) {
    for (const p of programs) this.programs.set(p.prog, [...(this.programs.get(p.prog) ?? []), p]);
    this.drc = opts.drc ?? new DuplicateRequestCache();
  }

  /**
   * The reply as buffers (without record mark), or null when no reply must be sent. `conn`: the
   * connection's state between calls (a connection passes its own; without, nothing is kept).
   */
  dispatch(record: Buffer, peer: Peer, conn = new ConnectionCalls()): Promise<RpcReply | null> {
    let routed: Routed | Buffer[];
    try {
      routed = this.route(record, peer, conn);
    } catch (e) {
      return Promise.reject(e);
    }
    if (Array.isArray(routed)) return Promise.resolve(routed);
    // The handler's promise itself, not one more async frame around it (a microtask per call).
    if (!routed.spec.mutates || routed.spec.idempotent) return this.call(routed, peer, conn);
    return this.callOnce(record, routed, peer, conn);
  }

  /** The call's program and procedure, or the reply that refuses it (RPC-level errors). */
  private route(record: Buffer, peer: Peer, conn: ConnectionCalls): Routed | Buffer[] {
    const r = new XdrReader(record);
    let h: CallHeader;
    try {
      h = decodeCallHeader(r, conn.credentials);
    } catch (e) {
      if (e instanceof XdrError)
        throw new ProtocolError(`bad call header from ${peer.address}: ${e.message}`);
      throw e;
    }
    if (h.rpcvers !== RPC_VERSION) return rpcMismatch(h.xid).buffers();
    if (h.credFlavor !== AUTH_NONE && (h.credFlavor !== AUTH_SYS || h.authSys === null)) {
      return authError(h.xid, AUTH_BADCRED).buffers();
    }
    const versions = this.programs.get(h.prog);
    if (versions === undefined) return acceptedError(h.xid, PROG_UNAVAIL).buffers();
    const program = programFor(versions, h.vers);
    const table = program?.procedures(h.vers);
    if (program === undefined || table === undefined) {
      const low = Math.min(...versions.map((p) => p.lowVersion));
      const high = Math.max(...versions.map((p) => p.highVersion));
      return acceptedError(h.xid, PROG_MISMATCH, low, high).buffers();
    }
    const spec = table.get(h.proc);
    if (spec === undefined) return acceptedError(h.xid, PROC_UNAVAIL).buffers();
    return { h, r, program, spec };
  }

  /** A non-idempotent call, through the duplicate request cache: a retransmission is not run again. */
  private async callOnce(
    record: Buffer,
    routed: Routed,
    peer: Peer,
    conn: ConnectionCalls,
  ): Promise<Buffer[] | null> {
    const { h, r } = routed;
    const args = record.subarray(r.offset);
    const key = DuplicateRequestCache.key(peer.address, peer.port, h.xid, h.prog, h.vers, h.proc, args);
    const seen = this.drc.begin(key);
    if (seen.state === "in-progress") return null;
    if (seen.state === "done") return seen.reply;
    const reply = await this.call(routed, peer, conn);
    this.drc.finish(key, reply);
    return reply;
  }

  private async call({ h, r, program, spec }: Routed, peer: Peer, conn: ConnectionCalls): Promise<RpcReply> {
    let args: unknown;
    try {
      args = spec.decode(r);
    } catch (e) {
      if (!(e instanceof XdrError)) throw e;
      this.observe(program, spec, 0, false);
      return acceptedError(h.xid, GARBAGE_ARGS).buffers();
    }
    const call: CallContext = {
      xid: h.xid,
      caller: h.authSys ? conn.credentials.callerOf(h.authSys) : ANONYMOUS,
      auth: h.authSys,
      remoteAddress: peer.address,
      remotePort: peer.port,
    };
    if (this.opts.onCall !== undefined) {
      const now = Date.now();
      if (now - conn.onCallAt >= ON_CALL_INTERVAL_MS || now < conn.onCallAt) {
        conn.onCallAt = now;
        this.opts.onCall(peer);
      }
    }
    const started = performance.now();
    const w = beginAcceptedReply(new XdrWriter(), h.xid);
    let ok = true;
    try {
      if (program.run) ok = await program.run(call, spec, args, w);
      else spec.encode(w, await spec.handle(call, args));
    } catch (e) {
      // The encoded reply is dropped: nothing will write what it holds.
      if (w.held !== undefined) releaseAll(w.held);
      this.opts.logger.error({ err: e, proc: spec.name, prog: program.name }, "rpc handler failed");
      this.observe(program, spec, performance.now() - started, false);
      return acceptedError(h.xid, SYSTEM_ERR).buffers();
    }
    this.observe(program, spec, performance.now() - started, ok);
    const reply: RpcReply = w.buffers();
    if (w.held !== undefined) reply.held = w.held;
    return reply;
  }

  private observe(program: RpcProgram, spec: AnyProcedure, ms: number, ok: boolean): void {
    const m = this.opts.metrics;
    if (m === undefined) return;
    const protocol = this.opts.metricsProtocol ?? program.name;
    m.observe(protocol, protocol === program.name ? spec.name : `${program.name}.${spec.name}`, ms, ok);
  }
}

/** The program of `versions` (one RPC program number) serving version `vers`. */
function programFor(versions: readonly RpcProgram[], vers: number): RpcProgram | undefined {
  for (const p of versions) if (vers >= p.lowVersion && vers <= p.highVersion) return p;
  return undefined;
}

/**
 * COMPOUND (RFC 8881 §16.2, RFC 7530 §15.2): the operations of one request run in order on one
 * Compound state until the first failure; the reply carries each result up to that one. Here:
 * the minor-version check, the op-count limit, the v4.1 rules on where SEQUENCE and the
 * session-less operations may stand (§2.10.6, §18.46.3), the session reply cache (a retry gets
 * the cached reply; a new request's reply is kept in its slot), and per-operation metrics.
 */

import type { CallContext } from "../rpc/program.ts";
import { XdrError, type XdrReader } from "../xdr/reader.ts";
import { XdrWriter } from "../xdr/writer.ts";
import * as c from "./constants.ts";
import { type AnyOp, Compound, type Encoder, type Nfs4Env, RESULT_HEADER_BYTES } from "./op.ts";
import { advancesSeqid, type SeqidResult, type SeqidUse } from "./state/owner-seqids.ts";
import { releaseSlot } from "./state/sessions.ts";
import { nfs4Status } from "./status.ts";

export interface CompoundArgs {
  tag: Buffer;
  minor: number;
  count: number;
  /** The reader positioned at the first operation (operations are decoded one by one). */
  ops: XdrReader;
  /** The RPC call's size, headers included (the record is the whole call message). */
  requestSize: number;
}

export function decodeCompound(r: XdrReader): CompoundArgs {
  const tag = r.opaque(c.NFS4_OPAQUE_LIMIT);
  const minor = r.uint32();
  const count = r.uint32();
  return { tag, minor, count, ops: r, requestSize: r.buf.length };
}

/** v4.1 operations that may stand without SEQUENCE, as the only operation (RFC 8881 §18.46.3). */
const SESSIONLESS = new Set([
  c.OP_EXCHANGE_ID,
  c.OP_CREATE_SESSION,
  c.OP_DESTROY_SESSION,
  c.OP_BIND_CONN_TO_SESSION,
  c.OP_DESTROY_CLIENTID,
]);

interface OpOutcome {
  resop: number;
  status: number;
  body: Encoder | null;
}

function fail(resop: number, status: number): OpOutcome {
  return { resop, status, body: null };
}

/** Where operation `opnum` at `index` may not run in this minor version, the failure to answer. */
function placement(opnum: number, index: number, a: CompoundArgs): number | null {
  if (a.minor === 0) return null;
  if (index === 0) {
    if (opnum === c.OP_SEQUENCE) return null;
    if (SESSIONLESS.has(opnum)) return a.count > 1 ? c.NFS4ERR_NOT_ONLY_OP : null;
    return c.NFS4ERR_OP_NOT_IN_SESSION;
  }
  return opnum === c.OP_SEQUENCE ? c.NFS4ERR_SEQUENCE_POS : null;
}

async function runOne(
  env: Nfs4Env,
  table: ReadonlyMap<number, AnyOp>,
  cmp: Compound,
  a: CompoundArgs,
  index: number,
): Promise<OpOutcome> {
  const r = a.ops;
  if (r.remaining < 4) return fail(c.OP_ILLEGAL, c.NFS4ERR_BADXDR);
  const opnum = r.uint32();
  const spec = table.get(opnum);
  const known = opnum >= c.OP_ACCESS && opnum <= c.OP_MAX_BY_MINOR[a.minor]!;
  if (!known) return fail(c.OP_ILLEGAL, c.NFS4ERR_OP_ILLEGAL);
  const misplaced = placement(opnum, index, a);
  if (misplaced !== null) return fail(opnum, misplaced);
  // Not even a bare status would fit the session's reply size: the operation does not run.
  const tooBig = oversize(cmp, cmp.replyBytes + RESULT_HEADER_BYTES);
  if (tooBig !== null) return fail(opnum, tooBig);
  if (spec === undefined || (spec.since ?? 0) > a.minor || (spec.until ?? a.minor) < a.minor) {
    return fail(opnum, c.NFS4ERR_NOTSUPP);
  }
  let args: unknown;
  try {
    args = spec.decode(r);
  } catch (e) {
    if (e instanceof XdrError) return fail(opnum, c.NFS4ERR_BADXDR);
    throw e;
  }
  if (a.minor === 0 && spec.seqid !== undefined) return sequenced(env, spec, cmp, args);
  return execute(env, spec, cmp, args);
}

async function execute(env: Nfs4Env, spec: AnyOp, cmp: Compound, args: unknown): Promise<OpOutcome> {
  const started = performance.now();
  let out: OpOutcome;
  try {
    out = { resop: spec.op, status: c.NFS4_OK, body: await spec.run(cmp, args) };
  } catch (e) {
    let status = nfs4Status(e, spec.name);
    if (status === null) {
      env.logger.error({ err: e, op: spec.name }, "nfs4 operation failed unexpectedly");
      status = c.NFS4ERR_SERVERFAULT;
    }
    out = { resop: spec.op, status, body: (e as { body?: Encoder }).body ?? null };
  }
  env.metrics?.observe("nfs", `nfs4.${spec.name}`, performance.now() - started, out.status === c.NFS4_OK);
  return out;
}

/**
 * A v4.0 operation carrying an owner's seqid (RFC 7530 §9.1.7): a retransmission (the owner's
 * last seqid) gets the kept result and filehandle without running, a seqid other than the next
 * is BAD_SEQID; otherwise it runs and, unless its status leaves the seqid alone, its encoded
 * result becomes the owner's kept one (state/owner-seqids.ts).
 */
async function sequenced(env: Nfs4Env, spec: AnyOp, cmp: Compound, args: unknown): Promise<OpOutcome> {
  const { owners } = env.state;
  let use: SeqidUse;
  let kept: SeqidResult | null;
  try {
    use = spec.seqid!(cmp, args);
    kept = owners.check(use.key, use.seqid);
  } catch (e) {
    const status = nfs4Status(e, spec.name);
    if (status === null) throw e;
    return fail(spec.op, status);
  }
  if (kept !== null) {
    if (kept.fh !== null) cmp.setFh(kept.fh);
    return { resop: spec.op, status: kept.status, body: bodyOf(kept.body) };
  }
  const out = await execute(env, spec, cmp, args);
  if (!advancesSeqid(out.status)) return out;
  let body: Buffer | null = null;
  if (out.body !== null) {
    const bw = new XdrWriter();
    out.body(bw);
    body = bw.toBuffer();
  }
  const result = { status: out.status, body, fh: cmp.cfh };
  owners.record(use.key, use.seqid, result, use.other);
  if (use.starts !== undefined && !owners.has(use.starts.key)) {
    owners.record(use.starts.key, use.starts.seqid, result, null);
  }
  return { ...out, body: bodyOf(body) };
}

function bodyOf(body: Buffer | null): Encoder | null {
  return body === null ? null : (w) => w.appendBuffers([body]);
}

/**
 * Runs a COMPOUND and writes its reply body (status, tag, results) to `w`. Resolves false when
 * the reply's status is not NFS4_OK (for the dispatcher's metrics).
 */
export async function runCompound(
  env: Nfs4Env,
  table: ReadonlyMap<number, AnyOp>,
  call: CallContext,
  a: CompoundArgs,
  w: XdrWriter,
): Promise<boolean> {
  if (a.minor < env.minorMin || a.minor > env.minorMax) {
    w.uint32(c.NFS4ERR_MINOR_VERS_MISMATCH).opaque(a.tag).uint32(0);
    return false;
  }
  if (a.count > c.COMPOUND_OPS_MAX) {
    w.uint32(a.minor === 0 ? c.NFS4ERR_RESOURCE : c.NFS4ERR_TOO_MANY_OPS)
      .opaque(a.tag)
      .uint32(0);
    return false;
  }
  const cmp = new Compound(env, call, a.minor, a.count, a.requestSize);
  // RPC reply header (already in `w`), status, tag, result count.
  const head = w.length + 4 + 4 + ((a.tag.length + 3) & ~3) + 4;
  cmp.replyBytes = head;
  const results = new XdrWriter();
  let status: number = c.NFS4_OK;
  let done = 0;
  try {
    for (let i = 0; i < a.count && status === c.NFS4_OK; i++) {
      const out = await runOne(env, table, cmp, a, i);
      if (cmp.replay !== null) {
        w.appendBuffers([cmp.replay]);
        return true;
      }
      status = appendResult(cmp, results, out);
      cmp.replyBytes = head + results.length;
      done++;
    }
  } finally {
    // The slot is freed whatever happened; the reply is kept below once it is whole.
    if (cmp.session !== null && cmp.replay === null) releaseSlot(cmp.session, cmp.slot, null);
  }
  const body = new XdrWriter();
  body.uint32(status).opaque(a.tag).uint32(done);
  body.appendBuffers(results.buffers());
  const bufs = body.buffers();
  if (cmp.session !== null) keepReply(cmp, bufs, cmp.replyBytes);
  w.appendBuffers(bufs);
  return status === c.NFS4_OK;
}

/**
 * RFC 8881 §2.10.6.4: the status for a reply of `bytes` in this COMPOUND's session, null when it
 * fits: past ca_maxresponsesize NFS4ERR_REP_TOO_BIG; past ca_maxresponsesize_cached, when the
 * client asked for caching (sa_cachethis), NFS4ERR_REP_TOO_BIG_TO_CACHE.
 */
function oversize(cmp: Compound, bytes: number): number | null {
  const s = cmp.session;
  if (s === null) return null;
  if (bytes > s.fore.maxResponseSize) return c.NFS4ERR_REP_TOO_BIG;
  if (cmp.cacheThis && bytes > s.fore.maxResponseSizeCached) return c.NFS4ERR_REP_TOO_BIG_TO_CACHE;
  return null;
}

/**
 * Appends one operation's result, or, when it would take the reply past the session's sizes,
 * the operation with REP_TOO_BIG(_TO_CACHE) in its place (RFC 8881 §2.10.6.4). Returns its status.
 */
function appendResult(cmp: Compound, results: XdrWriter, out: OpOutcome): number {
  const start = results.length;
  results.uint32(out.resop).uint32(out.status);
  if (out.body === null) return out.status;
  out.body(results);
  if (cmp.session === null) return out.status;
  // Encoded in place and measured; the rare result too big for the session is cut off again.
  const tooBig = oversize(cmp, cmp.replyBytes + (results.length - start));
  if (tooBig === null) return out.status;
  results.truncate(start).uint32(out.resop).uint32(tooBig);
  return tooBig;
}

/** RFC 8881 §2.10.6.1.3: the slot keeps the reply (a copy, when it fits the cached size). */
function keepReply(cmp: Compound, bufs: Buffer[], replyBytes: number): void {
  const s = cmp.session!;
  let len = 0;
  for (const b of bufs) len += b.length;
  releaseSlot(s, cmp.slot, replyBytes <= s.fore.maxResponseSizeCached ? Buffer.concat(bufs, len) : null);
}

/**
 * RPC call header decoding and reply encoding (RFC 5531 §9). Credentials: AUTH_NONE and
 * AUTH_SYS (Appendix A). Any other flavor is rejected with AUTH_ERROR / AUTH_BADCRED.
 */
import type { Caller } from "../../../metadata/types.ts";
import { XdrError, XdrReader } from "../xdr/reader.ts";
import { XdrWriter } from "../xdr/writer.ts";
import {
  AUTH_ERROR,
  AUTH_NONE,
  AUTH_SYS,
  CALL,
  MAX_AUTH_BYTES,
  MAX_AUTH_SYS_GIDS,
  MAX_MACHINE_NAME_BYTES,
  MSG_ACCEPTED,
  MSG_DENIED,
  PROG_MISMATCH,
  REPLY,
  RPC_MISMATCH,
  RPC_VERSION,
  SUCCESS,
} from "./constants.ts";

export interface AuthSys {
  stamp: number;
  machineName: string;
  uid: number;
  gid: number;
  gids: number[];
}

export interface CallHeader {
  xid: number;
  rpcvers: number;
  prog: number;
  vers: number;
  proc: number;
  credFlavor: number;
  /** Parsed AUTH_SYS credential; null for AUTH_NONE or an unparsable body. */
  authSys: AuthSys | null;
}

/**
 * The AUTH_SYS credential one connection sent last, decoded once. A client sends the same
 * credential bytes on every call, so later calls compare the bytes in place and reuse the decoded
 * credential and its Caller instead of decoding a machine name and a gid list per call. Both are
 * frozen: every call of the connection shares them.
 */
export class CredentialCache {
  #body: Buffer | null = null;
  #auth: AuthSys | null = null;
  #caller: Caller | null = null;

  /** The AUTH_SYS credential in `buf[at, at + len)`, null when malformed (decodeAuthSys). */
  decode(buf: Buffer, at: number, len: number): AuthSys | null {
    const last = this.#body;
    if (last !== null && last.length === len && buf.compare(last, 0, len, at, at + len) === 0)
      return this.#auth;
    const body = Buffer.from(buf.subarray(at, at + len));
    const auth = decodeAuthSys(body);
    if (auth !== null) Object.freeze(Object.freeze(auth).gids);
    this.#body = body;
    this.#auth = auth;
    this.#caller = null;
    return auth;
  }

  /** The identity of `auth` (one object per credential the cache holds). */
  callerOf(auth: AuthSys): Caller {
    if (auth === this.#auth && this.#caller !== null) return this.#caller;
    const caller: Caller = Object.freeze({ uid: auth.uid, gid: auth.gid, gids: auth.gids });
    if (auth === this.#auth) this.#caller = caller;
    return caller;
  }
}

/**
 * Decodes the call header; `r` is left at the first procedure argument. With `creds` (the
 * connection's cache) an AUTH_SYS credential equal to the previous one is not decoded again.
 */
export function decodeCallHeader(r: XdrReader, creds?: CredentialCache): CallHeader {
  const xid = r.uint32();
  const msgType = r.uint32();
  if (msgType !== CALL) throw new XdrError(`msg_type ${msgType} is not CALL`);
  const rpcvers = r.uint32();
  const prog = r.uint32();
  const vers = r.uint32();
  const proc = r.uint32();
  const credFlavor = r.uint32();
  const credAt = r.offset + 4;
  const credLen = r.skipOpaque(MAX_AUTH_BYTES);
  r.uint32(); // verifier flavor: AUTH_NONE and AUTH_SYS calls carry no verifier we check
  r.skipOpaque(MAX_AUTH_BYTES);
  let authSys: AuthSys | null = null;
  if (credFlavor === AUTH_SYS) {
    authSys =
      creds === undefined
        ? decodeAuthSys(r.buf.subarray(credAt, credAt + credLen))
        : creds.decode(r.buf, credAt, credLen);
  }
  return { xid, rpcvers, prog, vers, proc, credFlavor, authSys };
}

/** Returns null when the body is malformed (the caller answers AUTH_BADCRED). */
export function decodeAuthSys(body: Buffer): AuthSys | null {
  try {
    const r = new XdrReader(body);
    const stamp = r.uint32();
    const machineName = r.string(MAX_MACHINE_NAME_BYTES);
    const uid = r.uint32();
    const gid = r.uint32();
    const gids = r.array(MAX_AUTH_SYS_GIDS, (x) => x.uint32());
    return { stamp, machineName, uid, gid, gids };
  } catch (e) {
    if (e instanceof XdrError) return null;
    throw e;
  }
}

export function encodeAuthSys(w: XdrWriter, a: AuthSys): void {
  const body = new XdrWriter();
  body.uint32(a.stamp).string(a.machineName).uint32(a.uid).uint32(a.gid);
  body.uint32(a.gids.length);
  for (const g of a.gids) body.uint32(g);
  w.uint32(AUTH_SYS).opaque(body.toBuffer());
}

/** Starts an accepted reply with accept_stat; results follow for SUCCESS. */
export function beginAcceptedReply(w: XdrWriter, xid: number, acceptStat = SUCCESS): XdrWriter {
  // RFC 5531 §9: reply verifier AUTH_NONE with an empty body.
  return w.uint32(xid).uint32(REPLY).uint32(MSG_ACCEPTED).uint32(AUTH_NONE).uint32(0).uint32(acceptStat);
}

/** A complete accepted reply with a non-SUCCESS status (PROG_UNAVAIL, PROC_UNAVAIL, ...). */
export function acceptedError(xid: number, acceptStat: number, low = 0, high = 0): XdrWriter {
  const w = beginAcceptedReply(new XdrWriter(32), xid, acceptStat);
  if (acceptStat === PROG_MISMATCH) w.uint32(low).uint32(high);
  return w;
}

/** MSG_DENIED / RPC_MISMATCH: we speak RPC version 2 only. */
export function rpcMismatch(xid: number): XdrWriter {
  return new XdrWriter(32)
    .uint32(xid)
    .uint32(REPLY)
    .uint32(MSG_DENIED)
    .uint32(RPC_MISMATCH)
    .uint32(RPC_VERSION)
    .uint32(RPC_VERSION);
}

/** MSG_DENIED / AUTH_ERROR with the auth_stat reason. */
export function authError(xid: number, authStat: number): XdrWriter {
  return new XdrWriter(32).uint32(xid).uint32(REPLY).uint32(MSG_DENIED).uint32(AUTH_ERROR).uint32(authStat);
}

/** Encodes a call (clients: tests, NLM GRANTED callbacks, portmap queries). */
export function encodeCall(
  w: XdrWriter,
  call: { xid: number; prog: number; vers: number; proc: number; auth?: AuthSys },
): XdrWriter {
  w.uint32(call.xid).uint32(CALL).uint32(RPC_VERSION).uint32(call.prog).uint32(call.vers).uint32(call.proc);
  if (call.auth) encodeAuthSys(w, call.auth);
  else w.uint32(AUTH_NONE).uint32(0);
  return w.uint32(AUTH_NONE).uint32(0);
}

export interface ReplyHeader {
  xid: number;
  replyStat: number;
  /** accept_stat when MSG_ACCEPTED, reject_stat when MSG_DENIED. */
  stat: number;
  /** PROG_MISMATCH / RPC_MISMATCH range, or auth_stat in `low` for AUTH_ERROR. */
  low?: number;
  high?: number;
}

/** Decodes a reply header; `r` is left at the results when accepted with SUCCESS. */
export function decodeReplyHeader(r: XdrReader): ReplyHeader {
  const xid = r.uint32();
  if (r.uint32() !== REPLY) throw new XdrError("not a REPLY");
  const replyStat = r.uint32();
  if (replyStat === MSG_ACCEPTED) {
    r.uint32();
    r.opaque(MAX_AUTH_BYTES);
    const stat = r.uint32();
    if (stat === PROG_MISMATCH) return { xid, replyStat, stat, low: r.uint32(), high: r.uint32() };
    return { xid, replyStat, stat };
  }
  const stat = r.uint32();
  if (stat === RPC_MISMATCH) return { xid, replyStat, stat, low: r.uint32(), high: r.uint32() };
  return { xid, replyStat, stat, low: r.uint32() };
}

/**
 * SMB2 SESSION_SETUP ([MS-SMB2] §2.2.5, §2.2.6, §3.3.5.5): SPNEGO-wrapped (or raw) NTLMSSP in two
 * legs. NEGOTIATE → CHALLENGE with STATUS_MORE_PROCESSING_REQUIRED; AUTHENTICATE → NTLMv2 check
 * against the control-plane user's NT hash, session key, signing key, signed final response.
 * With a negotiated cipher the session gets its encryption keys; a server that requires
 * encryption marks it EncryptData and refuses (ACCESS_DENIED) clients that cannot encrypt.
 * On a valid session the same legs re-authenticate it (§3.3.5.5.3): the keys stay, the identity
 * and the trees' callers change, a failure logs the session off. PreviousSessionId ends that
 * session of the same user on any connection (§3.3.5.5.3, a client reconnecting).
 */

import { cipherKeys, SessionCipher } from "../auth/encryption.ts";
import {
  type AuthenticateMessage,
  buildChallenge,
  messageType,
  NtLmAuthenticate,
  NtLmNegotiate,
  NtlmError,
  newServerChallenge,
  parseAuthenticate,
  parseNegotiateFlags,
  verifyNtlmv2,
  wellFormedNtlmv2,
} from "../auth/ntlm.ts";
import { signingKeyFor, verifyMessage } from "../auth/signing.ts";
import {
  extractMechToken,
  isRawNtlmssp,
  MAX_SPNEGO_TOKEN_BYTES,
  NEG_STATE_ACCEPT_COMPLETED,
  NEG_STATE_ACCEPT_INCOMPLETE,
  negTokenResp,
  SpnegoError,
} from "../auth/spnego.ts";
import {
  SIGNING_ALG_AES_GMAC,
  SMB2_DIALECT_300,
  SMB2_DIALECT_311,
  SMB2_FLAGS_SIGNED,
  SMB2_HEADER_SIZE,
  SMB2_NEGOTIATE_SIGNING_REQUIRED,
  SMB2_SESSION_FLAG_ENCRYPT_DATA,
  SMB2_SESSION_FLAG_IS_GUEST,
  SMB2_SESSION_FLAG_IS_NULL,
} from "../constants.ts";
import {
  STATUS_ACCESS_DENIED,
  STATUS_ACCOUNT_DISABLED,
  STATUS_ACCOUNT_LOCKED_OUT,
  STATUS_INSUFFICIENT_RESOURCES,
  STATUS_INVALID_PARAMETER,
  STATUS_LOGON_FAILURE,
  STATUS_MORE_PROCESSING_REQUIRED,
  STATUS_NOT_SUPPORTED,
  STATUS_REQUEST_NOT_ACCEPTED,
  STATUS_REQUEST_OUT_OF_SEQUENCE,
  STATUS_USER_SESSION_DELETED,
} from "../ntstatus.ts";
import { preauthUpdate } from "../preauth.ts";
import type { CommandSpec, Reply, SmbRequest } from "../request.ts";
import { MAX_SESSIONS_PER_CONNECTION, type Session } from "../state.ts";
import { SmbError } from "../status.ts";
import { SmbWriter, slice } from "../wire.ts";
import { endSession } from "./logoff.ts";
import { retargetTrees } from "./tree-connect.ts";

const SMB2_SESSION_FLAG_BINDING = 0x01;
/** The action of logon audit rows (aggregated by the logon throttle). */
export const SMB_LOGON_ACTION = "smb.sessionSetup";
/** Longest account name taken from an AUTHENTICATE message for throttling and the audit. */
const MAX_ACCOUNT_NAME_CHARS = 256;

function findOrCreateSession(req: SmbRequest): Session {
  const conn = req.conn;
  const id = req.header.SessionId;
  if (id !== 0n) {
    const s = conn.sessions.get(id);
    if (!s) throw new SmbError(STATUS_USER_SESSION_DELETED);
    return s;
  }
  if (conn.sessions.size >= MAX_SESSIONS_PER_CONNECTION) throw new SmbError(STATUS_INSUFFICIENT_RESOURCES);
  const s: Session = {
    id: req.server.newSessionId(),
    state: "in-progress",
    principal: null,
    guest: false,
    anonymous: false,
    sessionKey: null,
    signingKey: null,
    signingRequired: false,
    cipher: null,
    encryptData: false,
    preauthHash: conn.dialect === SMB2_DIALECT_311 ? Buffer.from(conn.preauthHash!) : null,
    ntlmChallenge: null,
    ntlmFlags: 0,
    spnego: true,
    trees: new Map(),
  };
  conn.sessions.set(s.id, s);
  return s;
}

function responseBody(flags: number, token: Buffer): Buffer {
  const w = new SmbWriter();
  w.u16(9)
    .u16(flags)
    .u16(SMB2_HEADER_SIZE + 8)
    .u16(token.length)
    .bytes(token);
  return w.finish();
}

function wrap(session: Session, state: number, token: Buffer | null): Buffer {
  if (!session.spnego) return token ?? Buffer.alloc(0);
  return negTokenResp(state, token, state === NEG_STATE_ACCEPT_INCOMPLETE);
}

function challengeLeg(req: SmbRequest, session: Session, token: Buffer): Reply {
  session.ntlmFlags = parseNegotiateFlags(token);
  session.ntlmChallenge = newServerChallenge();
  const challenge = buildChallenge(session.ntlmFlags, session.ntlmChallenge, req.server.config.serverName);
  return {
    status: STATUS_MORE_PROCESSING_REQUIRED,
    body: responseBody(0, wrap(session, NEG_STATE_ACCEPT_INCOMPLETE, challenge)),
    sessionId: session.id,
    onBuilt: (m) => {
      if (session.preauthHash) session.preauthHash = preauthUpdate(session.preauthHash, m);
    },
  };
}

/**
 * The NTLMv2 check, behind the daemon's logon throttle (runtime/logon-limiter.ts, shared with the
 * API login): a throttled account/address gets STATUS_ACCOUNT_LOCKED_OUT without a check, as a
 * Windows server with a lockout policy answers ([MS-SMB2] §3.3.5.5.3 passes the security
 * subsystem's status through).
 */
async function checkPassword(req: SmbRequest, session: Session, auth: AuthenticateMessage): Promise<Buffer> {
  const logons = req.server.ctx.logons;
  const address = req.conn.remoteAddress;
  const account = auth.user.slice(0, MAX_ACCOUNT_NAME_CHARS);
  const waitMs = logons.retryAfterMs(account, address);
  if (waitMs > 0) {
    await logons.refused(account, address, SMB_LOGON_ACTION, waitMs);
    throw new SmbError(STATUS_ACCOUNT_LOCKED_OUT, "logon throttled");
  }
  // An NTLMv2 response whose AV pairs run past it is malformed, not a wrong password (as Samba).
  if (auth.ntResponse.length > 24 && !wellFormedNtlmv2(auth.ntResponse)) {
    throw new SmbError(STATUS_INVALID_PARAMETER, "malformed NTLMv2_CLIENT_CHALLENGE");
  }
  const identity = req.server.ctx.identity;
  const principal = identity.byName(auth.user) ?? identity.byName(auth.user.toLowerCase());
  const key =
    principal?.ntHash && session.ntlmChallenge
      ? verifyNtlmv2(principal.ntHash, auth, session.ntlmChallenge)
      : null;
  if (!principal || !key) {
    await logons.failed(account, address, SMB_LOGON_ACTION, "wrong user name or password");
    throw new SmbError(STATUS_LOGON_FAILURE);
  }
  logons.succeeded(account, address);
  if (!principal.enabled) throw new SmbError(STATUS_ACCOUNT_DISABLED);
  session.principal = principal;
  return key;
}

async function authenticateLeg(
  req: SmbRequest,
  session: Session,
  token: Buffer,
  securityMode: number,
): Promise<Reply> {
  const auth = parseAuthenticate(token);
  const cfg = req.server.config;
  let flags = 0;
  if (auth.user === "" && auth.ntResponse.length === 0) {
    session.anonymous = true;
    session.guest = true;
    flags = SMB2_SESSION_FLAG_IS_NULL;
  } else {
    const key = await checkPassword(req, session, auth);
    session.sessionKey = key.subarray(0, 16);
    session.signingKey = {
      key: signingKeyFor(req.conn.dialect, session.sessionKey, session.preauthHash),
      algorithm: req.conn.signingAlgorithm,
    };
    session.signingRequired =
      cfg.signingRequired ||
      (securityMode & SMB2_NEGOTIATE_SIGNING_REQUIRED) !== 0 ||
      (req.conn.clientSecurityMode & SMB2_NEGOTIATE_SIGNING_REQUIRED) !== 0;
    if (req.conn.cipher !== 0) {
      const k = cipherKeys(req.conn.dialect, req.conn.cipher, session.sessionKey, session.preauthHash);
      session.cipher = new SessionCipher(req.conn.cipher, k.encryptionKey, k.decryptionKey);
    }
  }
  // §3.3.5.5.3: EncryptData with RejectUnencryptedAccess refuses a session that cannot encrypt.
  if (cfg.encryptionRequired) {
    if (!session.cipher) throw new SmbError(STATUS_ACCESS_DENIED, "encryption required");
    session.encryptData = true;
    flags |= SMB2_SESSION_FLAG_ENCRYPT_DATA;
  }
  session.state = "valid";
  session.ntlmChallenge = null;
  if (flags & SMB2_SESSION_FLAG_IS_NULL) flags |= 0;
  else if (session.guest) flags |= SMB2_SESSION_FLAG_IS_GUEST;
  return completed(req, session, flags);
}

/** The final SESSION_SETUP response, signed with the session's key (§3.3.5.5.3). */
function completed(req: SmbRequest, session: Session, flags: number): Reply {
  req.server.ctx.clients.update(req.conn.clientId, { user: session.principal?.username ?? "anonymous" });
  const reply: Reply = {
    body: responseBody(flags, wrap(session, NEG_STATE_ACCEPT_COMPLETED, null)),
    sessionId: session.id,
  };
  if (session.signingKey) reply.signWith = session.signingKey;
  return reply;
}

/** Re-authentication of a valid session: a new identity (or anonymous), the same keys. */
async function reauthenticate(req: SmbRequest, session: Session, auth: AuthenticateMessage): Promise<Reply> {
  const anonymous = auth.user === "" && auth.ntResponse.length === 0;
  if (anonymous) session.principal = null;
  else await checkPassword(req, session, auth);
  session.anonymous = anonymous;
  session.guest = anonymous;
  session.ntlmChallenge = null;
  retargetTrees(req, session);
  return completed(req, session, anonymous ? SMB2_SESSION_FLAG_IS_NULL : 0);
}

/** §3.3.5.5.3 PreviousSessionId: the old session of the same user, wherever it is, is logged off. */
async function endPrevious(req: SmbRequest, session: Session, previousId: bigint): Promise<void> {
  const found = previousId === 0n || previousId === session.id ? null : req.server.findSession(previousId);
  if (!found || !session.principal || found.session.principal?.username !== session.principal.username)
    return;
  await endSession(found.conn, found.session);
}

/**
 * §3.3.5.5.2 binding a second channel: multichannel is not implemented, so every bind is refused;
 * the invalid ones first with the statuses and in the order Samba checks them (smbtorture
 * smb2.session.bind_negative_*), a valid one REQUEST_NOT_ACCEPTED. The request is signed with the
 * session's key and algorithm (the client has no channel key yet): a bad signature is
 * ACCESS_DENIED, as for any request of the session (§3.3.5.2.4).
 */
function refuseBinding(req: SmbRequest): never {
  if (req.header.SessionId === 0n) throw new SmbError(STATUS_INVALID_PARAMETER, "bind without a session");
  const found = req.server.findSession(req.header.SessionId);
  if (!found) throw new SmbError(STATUS_USER_SESSION_DELETED);
  const conn = req.conn;
  const key = found.session.signingKey;
  const signed = (req.header.Flags & SMB2_FLAGS_SIGNED) !== 0;
  if (signed && key && !verifyMessage(key, req.msg))
    throw new SmbError(STATUS_ACCESS_DENIED, "bad signature");
  // §3.3.5.5.2 (3.1.1): a channel must sign with the session's algorithm; which side negotiated
  // AES-GMAC decides the status, as Samba answers.
  const algorithm = key?.algorithm ?? found.conn.signingAlgorithm;
  if (algorithm >= SIGNING_ALG_AES_GMAC && conn.signingAlgorithm !== algorithm)
    throw new SmbError(STATUS_REQUEST_OUT_OF_SEQUENCE, "bind with another signing algorithm");
  if (conn.signingAlgorithm >= SIGNING_ALG_AES_GMAC && algorithm !== conn.signingAlgorithm)
    throw new SmbError(STATUS_NOT_SUPPORTED, "bind with another signing algorithm");
  if (conn.dialect < SMB2_DIALECT_300) throw new SmbError(STATUS_REQUEST_NOT_ACCEPTED, "bind below SMB 3.0");
  if (!signed) throw new SmbError(STATUS_INVALID_PARAMETER, "unsigned bind");
  if (found.conn.dialect !== conn.dialect || found.conn.cipher !== conn.cipher) {
    throw new SmbError(STATUS_INVALID_PARAMETER, "bind across dialects or ciphers");
  }
  throw new SmbError(STATUS_REQUEST_NOT_ACCEPTED, "multichannel is not supported");
}

export async function sessionSetup(req: SmbRequest): Promise<Reply> {
  const r = req.reader();
  const reqFlags = r.u8();
  const securityMode = r.u8();
  r.u32(); // Capabilities
  r.u32(); // Channel
  const off = r.u16();
  const len = r.u16();
  const previousId = r.u64();
  if (reqFlags & SMB2_SESSION_FLAG_BINDING) refuseBinding(req);
  const blob = slice(req.msg, off, len, MAX_SPNEGO_TOKEN_BYTES);
  const session = findOrCreateSession(req);
  const reauth = session.state === "valid";
  if (session.preauthHash) session.preauthHash = preauthUpdate(session.preauthHash, req.msg);
  try {
    const token = extractMechToken(blob);
    if (!token) throw new SmbError(STATUS_INVALID_PARAMETER, "no mechToken");
    if (session.state === "in-progress" && session.ntlmChallenge === null)
      session.spnego = !isRawNtlmssp(blob);
    const type = messageType(token);
    if (type === NtLmNegotiate) return challengeLeg(req, session, token);
    if (type === NtLmAuthenticate && reauth)
      return await reauthenticate(req, session, parseAuthenticate(token));
    if (type === NtLmAuthenticate) {
      const reply = await authenticateLeg(req, session, token, securityMode);
      await endPrevious(req, session, previousId);
      return reply;
    }
    throw new SmbError(STATUS_INVALID_PARAMETER, `NTLM message ${type}`);
  } catch (e) {
    if (reauth) await endSession(req.conn, session);
    else if (session.state !== "valid") req.conn.sessions.delete(session.id);
    if (e instanceof NtlmError || e instanceof SpnegoError)
      throw new SmbError(STATUS_LOGON_FAILURE, e.message);
    throw e;
  }
}

export const SESSION_SETUP: CommandSpec = {
  name: "SESSION_SETUP",
  structureSize: 25,
  needsSession: false,
  needsTree: false,
  handle: sessionSetup,
};

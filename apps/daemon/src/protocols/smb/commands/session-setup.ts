/**
 * SMB2 SESSION_SETUP ([MS-SMB2] §2.2.5, §2.2.6, §3.3.5.5): SPNEGO-wrapped (or raw) NTLMSSP in two
 * legs. NEGOTIATE → CHALLENGE with STATUS_MORE_PROCESSING_REQUIRED; AUTHENTICATE → NTLMv2 check
 * against the control-plane user's NT hash, session key, signing key, signed final response.
 * With a negotiated cipher the session gets its encryption keys; a server that requires
 * encryption marks it EncryptData and refuses (ACCESS_DENIED) clients that cannot encrypt.
 * On a valid session the same legs re-authenticate it (§3.3.5.5.3): the keys stay, the identity
 * and the trees' callers change, a failure logs the session off. PreviousSessionId ends that
 * session of the same user on any connection (§3.3.5.5.3, a client reconnecting).
 * SMB2_SESSION_FLAG_BINDING binds the session to this connection as another channel
 * (session-bind.ts).
 */

import { cipherKeys, SessionCipher } from "../auth/encryption.ts";
import {
  type AuthenticateMessage,
  messageType,
  NtLmAuthenticate,
  NtLmNegotiate,
  NtlmError,
  parseAuthenticate,
} from "../auth/ntlm.ts";
import { signingKeyFor } from "../auth/signing.ts";
import {
  extractMechToken,
  isRawNtlmssp,
  MAX_SPNEGO_TOKEN_BYTES,
  NEG_STATE_ACCEPT_COMPLETED,
  SpnegoError,
} from "../auth/spnego.ts";
import { channelKey } from "../channels.ts";
import {
  SMB2_DIALECT_311,
  SMB2_NEGOTIATE_SIGNING_REQUIRED,
  SMB2_SESSION_FLAG_ENCRYPT_DATA,
  SMB2_SESSION_FLAG_IS_GUEST,
  SMB2_SESSION_FLAG_IS_NULL,
} from "../constants.ts";
import { MAX_SESSIONS_PER_CONNECTION } from "../limits.ts";
import {
  STATUS_ACCESS_DENIED,
  STATUS_INSUFFICIENT_RESOURCES,
  STATUS_INVALID_PARAMETER,
  STATUS_LOGON_FAILURE,
  STATUS_USER_SESSION_DELETED,
} from "../ntstatus.ts";
import { preauthUpdate } from "../preauth.ts";
import type { CommandSpec, Reply, SmbRequest } from "../request.ts";
import type { Session } from "../state.ts";
import { SmbError } from "../status.ts";
import { slice } from "../wire.ts";
import { endSession } from "./logoff.ts";
import { challengeLeg, checkPassword, responseBody, wrap } from "./session-auth.ts";
import { bindChannel, SMB2_SESSION_FLAG_BINDING, sessionSlots } from "./session-bind.ts";
import { retargetTrees } from "./tree-connect.ts";

function findOrCreateSession(req: SmbRequest): Session {
  const conn = req.conn;
  const id = req.header.SessionId;
  if (id !== 0n) {
    const s = conn.sessions.get(id);
    if (!s) throw new SmbError(STATUS_USER_SESSION_DELETED);
    return s;
  }
  if (sessionSlots(conn) >= MAX_SESSIONS_PER_CONNECTION) throw new SmbError(STATUS_INSUFFICIENT_RESOURCES);
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
    dialect: conn.dialect,
    cipherId: conn.cipher,
    channels: new Map(),
  };
  conn.sessions.set(s.id, s);
  return s;
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
    const { principal, key } = await checkPassword(req, session, auth);
    session.principal = principal;
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
  // §3.3.5.5.3: the session's first channel is this connection, signing with the session's key.
  session.channels.set(req.conn, { signingKey: session.signingKey, bind: null });
  if (flags & SMB2_SESSION_FLAG_IS_NULL) flags |= 0;
  else if (session.guest) flags |= SMB2_SESSION_FLAG_IS_GUEST;
  return completed(req, session, flags);
}

/** The final SESSION_SETUP response, signed with the session's key on this channel (§3.3.5.5.3). */
function completed(req: SmbRequest, session: Session, flags: number): Reply {
  req.server.ctx.clients.update(req.conn.clientId, { user: session.principal?.username ?? "anonymous" });
  const reply: Reply = {
    body: responseBody(flags, wrap(session, NEG_STATE_ACCEPT_COMPLETED, null)),
    sessionId: session.id,
  };
  const key = channelKey(session, req.conn);
  if (key) reply.signWith = key;
  return reply;
}

/** Re-authentication of a valid session: a new identity (or anonymous), the same keys. */
async function reauthenticate(req: SmbRequest, session: Session, auth: AuthenticateMessage): Promise<Reply> {
  const anonymous = auth.user === "" && auth.ntResponse.length === 0;
  if (anonymous) session.principal = null;
  else session.principal = (await checkPassword(req, session, auth)).principal;
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

export async function sessionSetup(req: SmbRequest): Promise<Reply> {
  const r = req.reader();
  const reqFlags = r.u8();
  const securityMode = r.u8();
  r.u32(); // Capabilities
  r.u32(); // Channel
  const off = r.u16();
  const len = r.u16();
  const previousId = r.u64();
  const blob = slice(req.msg, off, len, MAX_SPNEGO_TOKEN_BYTES);
  if (reqFlags & SMB2_SESSION_FLAG_BINDING) return await bindChannel(req, blob);
  const session = findOrCreateSession(req);
  const reauth = session.state === "valid";
  if (session.preauthHash) session.preauthHash = preauthUpdate(session.preauthHash, req.msg);
  try {
    const token = extractMechToken(blob);
    if (!token) throw new SmbError(STATUS_INVALID_PARAMETER, "no mechToken");
    if (session.state === "in-progress" && session.ntlmChallenge === null)
      session.spnego = !isRawNtlmssp(blob);
    const type = messageType(token);
    if (type === NtLmNegotiate) return challengeLeg(req, session, session.id, token);
    if (type === NtLmAuthenticate && reauth)
      return await reauthenticate(req, session, parseAuthenticate(token));
    if (type === NtLmAuthenticate) {
      const reply = await authenticateLeg(req, session, token, securityMode);
      await endPrevious(req, session, previousId);
      return reply;
    }
    throw new SmbError(STATUS_INVALID_PARAMETER, `NTLM message ${type}`);
  } catch (e) {
    if (reauth) {
      req.server.sessionEnded(session);
      await endSession(req.conn, session);
    } else if (session.state !== "valid") req.conn.sessions.delete(session.id);
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

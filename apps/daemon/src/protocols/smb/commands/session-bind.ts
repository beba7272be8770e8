/**
 * Multichannel: SESSION_SETUP with SMB2_SESSION_FLAG_BINDING binds an established session to
 * another connection of the same client ([MS-SMB2] §3.3.5.5.2). The bind is checked in the order
 * and with the statuses Samba answers (smbtorture smb2.session.bind_negative_*), then runs its own
 * NTLM exchange as the session's user; the channel's signing key comes from that exchange's
 * session key (3.1.1: over the bind's own preauth hash, §3.3.5.5.3) and signs with this
 * connection's algorithm. Until it completes the bind is signed with the session's key, the
 * only one the client has. The session's opens and trees are then usable on either channel
 * (channels.ts findSessionOpen); a channel going away leaves the session on the others
 * (connection.ts leaveChannel).
 */
import { messageType, NtLmAuthenticate, NtLmNegotiate, NtlmError, parseAuthenticate } from "../auth/ntlm.ts";
import { signingKeyFor, verifyMessage } from "../auth/signing.ts";
import { extractMechToken, isRawNtlmssp, NEG_STATE_ACCEPT_COMPLETED, SpnegoError } from "../auth/spnego.ts";
import { channelKey } from "../channels.ts";
import { SIGNING_ALG_AES_GMAC, SMB2_DIALECT_300, SMB2_DIALECT_311, SMB2_FLAGS_SIGNED } from "../constants.ts";
import { MAX_CHANNELS_PER_SESSION, MAX_SESSIONS_PER_CONNECTION } from "../limits.ts";
import * as S from "../ntstatus.ts";
import { preauthUpdate } from "../preauth.ts";
import type { Reply, SmbRequest } from "../request.ts";
import type { Channel, Session, SmbConnectionPort } from "../state.ts";
import { SmbError } from "../status.ts";
import { challengeLeg, checkPassword, responseBody, wrap } from "./session-auth.ts";

/** §2.2.5 SESSION_SETUP Flags. */
export const SMB2_SESSION_FLAG_BINDING = 0x01;

/** The session a bind names (Samba binds a channel of another ClientGuid too: smb2.session.bind_negative_*d). */
function namedSession(req: SmbRequest): Session {
  if (req.header.SessionId === 0n) throw new SmbError(S.STATUS_INVALID_PARAMETER, "bind without a session");
  const session = req.server.findSession(req.header.SessionId)?.session;
  if (!session) throw new SmbError(S.STATUS_USER_SESSION_DELETED);
  return session;
}

/** Checks a bind of `session` as Samba checks it (§3.3.5.5.2). */
function checkBind(req: SmbRequest, session: Session): void {
  if (session.state !== "valid")
    throw new SmbError(S.STATUS_REQUEST_NOT_ACCEPTED, "session still authenticating");
  const conn = req.conn;
  const key = channelKey(session, conn);
  const signed = (req.header.Flags & SMB2_FLAGS_SIGNED) !== 0;
  if (signed && key && !verifyMessage(key, req.msg))
    throw new SmbError(S.STATUS_ACCESS_DENIED, "bad signature");
  // §3.3.5.5.2 (3.1.1): a channel must sign with the session's algorithm; which side negotiated
  // AES-GMAC decides the status, as Samba answers.
  const algorithm = session.signingKey?.algorithm ?? conn.signingAlgorithm;
  if (algorithm >= SIGNING_ALG_AES_GMAC && conn.signingAlgorithm !== algorithm)
    throw new SmbError(S.STATUS_REQUEST_OUT_OF_SEQUENCE, "bind with another signing algorithm");
  if (conn.signingAlgorithm >= SIGNING_ALG_AES_GMAC && algorithm !== conn.signingAlgorithm)
    throw new SmbError(S.STATUS_NOT_SUPPORTED, "bind with another signing algorithm");
  if (conn.dialect < SMB2_DIALECT_300)
    throw new SmbError(S.STATUS_REQUEST_NOT_ACCEPTED, "bind below SMB 3.0");
  if (!signed) throw new SmbError(S.STATUS_INVALID_PARAMETER, "unsigned bind");
  if (session.dialect !== conn.dialect || session.cipherId !== conn.cipher)
    throw new SmbError(S.STATUS_INVALID_PARAMETER, "bind across dialects or ciphers");
}

/**
 * The session slots `conn` uses (MAX_SESSIONS_PER_CONNECTION): its sessions and the binds in
 * progress on it, so one connection cannot hold half-made channels of any number of sessions.
 * Binds that ended elsewhere (a LOGOFF on another channel) are forgotten here.
 */
export function sessionSlots(conn: SmbConnectionPort): number {
  for (const s of conn.binds) if (!s.channels.get(conn)?.bind) conn.binds.delete(s);
  return conn.sessions.size + conn.binds.size;
}

/** A bind that failed leaves nothing: its half-made channel goes (a bound channel stays). */
function dropBind(session: Session, conn: SmbConnectionPort): void {
  if (session.channels.get(conn)?.bind) session.channels.delete(conn);
  conn.binds.delete(session);
}

/** This connection's channel of `session`: the bind in progress, or a new one. */
function channelFor(req: SmbRequest, session: Session): Channel {
  const conn = req.conn;
  const existing = session.channels.get(conn);
  if (existing?.signingKey) throw new SmbError(S.STATUS_REQUEST_NOT_ACCEPTED, "already bound");
  if (existing) return existing;
  if (session.anonymous || session.guest)
    throw new SmbError(S.STATUS_NOT_SUPPORTED, "bind of a guest session");
  // Binds abandoned by a closed connection give their place back.
  for (const [c, ch] of session.channels) if (c.isClosed && !ch.signingKey) session.channels.delete(c);
  if (session.channels.size >= MAX_CHANNELS_PER_SESSION || sessionSlots(conn) >= MAX_SESSIONS_PER_CONNECTION)
    throw new SmbError(S.STATUS_INSUFFICIENT_RESOURCES, "too many channels");
  const preauthHash = conn.dialect === SMB2_DIALECT_311 ? Buffer.from(conn.preauthHash!) : null;
  const channel: Channel = {
    signingKey: null,
    bind: { ntlmChallenge: null, ntlmFlags: 0, spnego: true, preauthHash },
  };
  session.channels.set(conn, channel);
  conn.binds.add(session);
  return channel;
}

/**
 * One leg of a bind. Any failure ends the bind in progress on this connection (dropBind), so a
 * client retrying or flooding binds holds at most one half-made channel per session and
 * MAX_SESSIONS_PER_CONNECTION sessions' worth per connection.
 */
export async function bindChannel(req: SmbRequest, blob: Buffer): Promise<Reply> {
  const session = namedSession(req);
  try {
    checkBind(req, session);
    return await bindLeg(req, session, channelFor(req, session), blob);
  } catch (e) {
    dropBind(session, req.conn);
    if (e instanceof NtlmError || e instanceof SpnegoError)
      throw new SmbError(S.STATUS_LOGON_FAILURE, e.message);
    throw e;
  }
}

async function bindLeg(req: SmbRequest, session: Session, channel: Channel, blob: Buffer): Promise<Reply> {
  const auth = channel.bind!;
  if (auth.preauthHash) auth.preauthHash = preauthUpdate(auth.preauthHash, req.msg);
  const token = extractMechToken(blob);
  if (!token) throw new SmbError(S.STATUS_INVALID_PARAMETER, "no mechToken");
  if (auth.ntlmChallenge === null) auth.spnego = !isRawNtlmssp(blob);
  const type = messageType(token);
  if (type === NtLmNegotiate) return challengeLeg(req, auth, session.id, token);
  if (type !== NtLmAuthenticate) throw new SmbError(S.STATUS_INVALID_PARAMETER, `NTLM message ${type}`);
  const { principal, key } = await checkPassword(req, auth, parseAuthenticate(token));
  if (principal.username !== session.principal?.username)
    throw new SmbError(S.STATUS_ACCESS_DENIED, "bind as another user");
  // The session ended (LOGOFF on another channel) while the password was checked.
  if (session.channels.get(req.conn) !== channel || req.conn.isClosed)
    throw new SmbError(S.STATUS_USER_SESSION_DELETED);
  channel.signingKey = {
    key: signingKeyFor(req.conn.dialect, key.subarray(0, 16), auth.preauthHash),
    algorithm: req.conn.signingAlgorithm,
  };
  channel.bind = null;
  req.conn.binds.delete(session);
  req.conn.sessions.set(session.id, session);
  return {
    body: responseBody(0, wrap(auth, NEG_STATE_ACCEPT_COMPLETED, null)),
    sessionId: session.id,
    signWith: channel.signingKey,
  };
}

/** Checks every request passes before its handler runs ([MS-SMB2] §3.3.5.2). */
import { type SigningKey, verifyMessage } from "./auth/signing.ts";
import { channelKey } from "./channels.ts";
import { SMB2_FLAGS_SIGNED, SMB2_HEADER_SIZE, SMB2_SESSION_SETUP } from "./constants.ts";
import { STATUS_ACCESS_DENIED, STATUS_INVALID_PARAMETER, STATUS_USER_SESSION_DELETED } from "./ntstatus.ts";
import type { CommandSpec, SmbRequest } from "./request.ts";
import type { Session } from "./state.ts";
import { SmbError } from "./status.ts";

/** The body's StructureSize must be the command's (§2.2: fixed per command). */
export function checkStructureSize(spec: CommandSpec, msg: Buffer): void {
  const size = msg.length >= SMB2_HEADER_SIZE + 2 ? msg.readUInt16LE(SMB2_HEADER_SIZE) : -1;
  if (size !== spec.structureSize && !spec.otherStructureSizes?.includes(size)) {
    throw new SmbError(STATUS_INVALID_PARAMETER, "StructureSize");
  }
}

/**
 * A related command (§3.3.5.2.7.2) runs in the session the previous command of its compound
 * resolved: none (a first command flagged related, or one after a failed lookup) fails it
 * INVALID_PARAMETER, as does Samba; a CREATE that failed earlier in the chain fails it with
 * that CREATE's status.
 */
export function checkRelated(req: SmbRequest, sessions: Map<bigint, Session>): void {
  if (!req.related) return;
  if (!sessions.has(req.header.SessionId))
    throw new SmbError(STATUS_INVALID_PARAMETER, "related: no session");
  if (req.compound.createStatus !== 0) throw new SmbError(req.compound.createStatus);
}

/**
 * Looks up the session and checks the request's signature (§3.3.5.2.4, §3.3.5.2.9); returns the
 * key the response is signed with, if any.
 */
export function bindSession(sessions: Map<bigint, Session>, req: SmbRequest, msg: Buffer): SigningKey | null {
  const session = sessions.get(req.header.SessionId);
  if (!session) throw unboundSession(req, msg);
  req.session = session;
  if (session.state !== "valid") {
    if (req.header.Command === SMB2_SESSION_SETUP) return null;
    throw new SmbError(STATUS_USER_SESSION_DELETED);
  }
  // A bound channel signs with its own key (§3.3.5.5.3).
  const key = channelKey(session, req.conn);
  // §3.3.5.2.4: a decrypted request is authenticated by its tag, not a signature.
  if (!key || req.sealed) return null;
  req.signKey = key;
  const signed = (req.header.Flags & SMB2_FLAGS_SIGNED) !== 0;
  if (signed && !verifyMessage(key, msg)) throw new SmbError(STATUS_ACCESS_DENIED, "bad signature");
  if (!signed && session.signingRequired) throw new SmbError(STATUS_ACCESS_DENIED, "unsigned request");
  return key;
}

/**
 * A request naming a session that is not valid on this connection is refused
 * USER_SESSION_DELETED. When it is a session of another connection (a channel the client did not
 * bind here) or one a failed re-authentication ended, and the request is signed with that
 * session's key, the refusal is signed with it:
 * Samba does so, and Samba's client drops a connection whose signed request gets an unsigned
 * reply (smbtorture smb2.session.bind2).
 */
function unboundSession(req: SmbRequest, msg: Buffer): SmbError {
  const id = req.header.SessionId;
  const found = req.server.findSession(id)?.session.signingKey;
  const keys = found ? [found] : (req.server.endedSessions.get(id) ?? []);
  const signed = (req.header.Flags & SMB2_FLAGS_SIGNED) !== 0;
  if (signed && !req.sealed) req.signKey = keys.find((k) => verifyMessage(k, msg)) ?? null;
  return new SmbError(STATUS_USER_SESSION_DELETED);
}

/**
 * SESSION_SETUP on a valid session is a re-authentication (§3.3.5.5): it is checked like any
 * request of the session (signature, signing required) and its replies, errors included, are
 * signed with the session's unchanged key, which this returns (null for a new session).
 */
export function reauthKey(sessions: Map<bigint, Session>, req: SmbRequest, msg: Buffer): SigningKey | null {
  const session = req.header.SessionId === 0n ? undefined : sessions.get(req.header.SessionId);
  if (session?.state !== "valid") return null;
  return bindSession(sessions, req, msg);
}

/**
 * A SESSION_SETUP naming a session not (yet) valid on this connection (a bind, §3.3.5.5.2, or a
 * re-auth sent on the wrong connection): its replies, a refusal or a bind's NTLM challenge, are
 * signed with the session's key, the one the client signs a bind with while it has no channel key
 * (Samba signs them so). A bind checks the request's signature itself (commands/session-bind.ts).
 */
export function foreignSessionKey(req: SmbRequest): SigningKey | null {
  if (req.header.SessionId === 0n) return null;
  return req.server.findSession(req.header.SessionId)?.session.signingKey ?? null;
}

/**
 * The NTLMSSP legs SESSION_SETUP runs for a new session, a re-authentication and a channel bind
 * ([MS-SMB2] §3.3.5.5.3): the CHALLENGE leg, the NTLMv2 password check behind the logon throttle,
 * and the response body. Each works on the authentication state it is given (the session's, or a
 * bind's own, commands/session-bind.ts).
 */

import type { Principal } from "../../../domain/identity.ts";
import {
  type AuthenticateMessage,
  buildChallenge,
  newServerChallenge,
  parseNegotiateFlags,
  verifyNtlmv2,
  wellFormedNtlmv2,
} from "../auth/ntlm.ts";
import { NEG_STATE_ACCEPT_INCOMPLETE, negTokenResp } from "../auth/spnego.ts";
import { SMB2_HEADER_SIZE } from "../constants.ts";
import {
  STATUS_ACCOUNT_DISABLED,
  STATUS_ACCOUNT_LOCKED_OUT,
  STATUS_INVALID_PARAMETER,
  STATUS_LOGON_FAILURE,
  STATUS_MORE_PROCESSING_REQUIRED,
} from "../ntstatus.ts";
import { preauthUpdate } from "../preauth.ts";
import type { Reply, SmbRequest } from "../request.ts";
import type { BindAuth } from "../state.ts";
import { SmbError } from "../status.ts";
import { SmbWriter } from "../wire.ts";

/** The action of logon audit rows (aggregated by the logon throttle). */
const SMB_LOGON_ACTION = "smb.sessionSetup";
/** Longest account name taken from an AUTHENTICATE message for throttling and the audit. */
const MAX_ACCOUNT_NAME_CHARS = 256;

/** §2.2.6 SESSION_SETUP response body. */
export function responseBody(flags: number, token: Buffer): Buffer {
  const w = new SmbWriter();
  w.u16(9)
    .u16(flags)
    .u16(SMB2_HEADER_SIZE + 8)
    .u16(token.length)
    .bytes(token);
  return w.finish();
}

/** The NTLMSSP token as the client sent its own: in a SPNEGO negTokenResp or raw. */
export function wrap(auth: BindAuth, state: number, token: Buffer | null): Buffer {
  if (!auth.spnego) return token ?? Buffer.alloc(0);
  return negTokenResp(state, token, state === NEG_STATE_ACCEPT_INCOMPLETE);
}

/** NEGOTIATE → CHALLENGE (MORE_PROCESSING_REQUIRED); the response joins the preauth hash (3.1.1). */
export function challengeLeg(req: SmbRequest, auth: BindAuth, sessionId: bigint, token: Buffer): Reply {
  auth.ntlmFlags = parseNegotiateFlags(token);
  auth.ntlmChallenge = newServerChallenge();
  const challenge = buildChallenge(auth.ntlmFlags, auth.ntlmChallenge, req.server.config.serverName);
  return {
    status: STATUS_MORE_PROCESSING_REQUIRED,
    body: responseBody(0, wrap(auth, NEG_STATE_ACCEPT_INCOMPLETE, challenge)),
    sessionId,
    onBuilt: (m) => {
      if (auth.preauthHash) auth.preauthHash = preauthUpdate(auth.preauthHash, m);
    },
  };
}

/**
 * The NTLMv2 check, behind the daemon's logon throttle (runtime/logon-limiter.ts, shared with the
 * API login): a throttled account/address gets STATUS_ACCOUNT_LOCKED_OUT without a check, as a
 * Windows server with a lockout policy answers ([MS-SMB2] §3.3.5.5.3 passes the security
 * subsystem's status through). Returns the user and the NTLM session key.
 */
export async function checkPassword(
  req: SmbRequest,
  state: BindAuth,
  auth: AuthenticateMessage,
): Promise<{ principal: Principal; key: Buffer }> {
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
    principal?.ntHash && state.ntlmChallenge
      ? verifyNtlmv2(principal.ntHash, auth, state.ntlmChallenge)
      : null;
  if (!principal || !key) {
    await logons.failed(account, address, SMB_LOGON_ACTION, "wrong user name or password");
    throw new SmbError(STATUS_LOGON_FAILURE);
  }
  logons.succeeded(account, address);
  if (!principal.enabled) throw new SmbError(STATUS_ACCOUNT_DISABLED);
  return { principal, key };
}

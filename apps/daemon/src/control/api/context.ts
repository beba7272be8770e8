/**
 * The tRPC context: request-free, so tests build it directly (tRPC's createContextInner) and the
 * HTTP server builds it per request from the bearer token and the peer address.
 */

import type { LogonGate } from "../../domain/logon.ts";
import type { RuntimeControl } from "../runtime-control.ts";
import type { ControlStore } from "../store/control-store.ts";
import type { UserRecord } from "../store/types.ts";

export interface Session {
  user: UserRecord;
  /** The bearer token of this request, for logout. */
  token: string;
}

export interface Context {
  store: ControlStore;
  runtime: RuntimeControl;
  session: Session | null;
  /** The client's address, for login throttling and the audit log. */
  ip: string;
  /** The daemon's logon throttle, shared with SMB (runtime/logon-limiter.ts). */
  logons: LogonGate;
}

export interface ContextDeps {
  store: ControlStore;
  runtime: RuntimeControl;
  logons: LogonGate;
}

/**
 * Returns the per-request context builder the HTTP server calls with the request's bearer token
 * (the `Authorization: Bearer <token>` value, or null) and peer address.
 */
export function createContextFactory(deps: ContextDeps) {
  const { logons } = deps;
  return async (req: { token: string | null; ip: string }): Promise<Context> => {
    const found = req.token === null || req.token === "" ? null : await deps.store.getSession(req.token);
    const session = found === null || !found.user.enabled ? null : { user: found.user, token: req.token! };
    return { store: deps.store, runtime: deps.runtime, session, ip: req.ip, logons };
  };
}

/** The token from an `Authorization` header value, or null. */
export function bearerToken(header: string | undefined): string | null {
  const m = header === undefined ? null : /^Bearer\s+(\S+)$/i.exec(header);
  return m?.[1] ?? null;
}

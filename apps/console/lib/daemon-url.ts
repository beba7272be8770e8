import "server-only";

/** Where the daemon's HTTP API listens. Read on every request so one build serves any daemon. */
export function daemonUrl(): string {
  const url = process.env.DAEMON_URL ?? "http://127.0.0.1:8080";
  return url.replace(/\/+$/, "");
}

/** httpOnly, SameSite=Strict cookie holding the daemon session token; never readable by scripts. */
export const SESSION_COOKIE = "dittofs_session";

/** Set by server.ts (same name there) in its own process: X-Forwarded-For comes from the TCP peer. */
const PEER_FORWARDED_ENV = "DITTOFS_CONSOLE_PEER_FORWARDED";

/**
 * The X-Forwarded-For to pass on to the daemon, which believes it only from its
 * `http.trustedProxies`. A route handler cannot see the socket peer, and `next start` keeps an
 * X-Forwarded-For the request brought (it fills in the peer only when there is none), so a browser
 * talking to the console directly could name any address and pick its own logon-throttle key.
 * Under the console's own server (server.ts: `npm start`, the e2e stack) the header was set from
 * the socket's remote address before Next saw it (with CONSOLE_TRUST_FORWARDED_FOR=1, appended to
 * the reverse proxy's chain), so it is passed on. Under plain `next start` it is dropped (the
 * daemon sees the console's address) unless CONSOLE_TRUST_FORWARDED_FOR=1 says the console is
 * reachable only through a reverse proxy that sets or appends it.
 */
export function forwardedFor(headers: { get(name: string): string | null }): string | null {
  if (process.env[PEER_FORWARDED_ENV] !== "1" && process.env.CONSOLE_TRUST_FORWARDED_FOR !== "1") return null;
  return headers.get("x-forwarded-for");
}

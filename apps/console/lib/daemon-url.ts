import "server-only";

/** Where the daemon's HTTP API listens. Read on every request so one build serves any daemon. */
export function daemonUrl(): string {
  const url = process.env.DAEMON_URL ?? "http://127.0.0.1:8080";
  return url.replace(/\/+$/, "");
}

/** httpOnly, SameSite=Strict cookie holding the daemon session token; never readable by scripts. */
export const SESSION_COOKIE = "dittofs_session";

/**
 * Login throttling per (username, client address): after LOGIN_FAILURES_MAX failures within
 * LOGIN_WINDOW_MS the pair is refused until the window since the first failure has passed.
 * Keyed by both so one attacker cannot lock a user out from everywhere, and one address cannot
 * spray many passwords at one user.
 */
export const LOGIN_FAILURES_MAX = 5;
export const LOGIN_WINDOW_MS = 60_000;
/** Tracked pairs; the oldest are forgotten beyond this so a flood cannot grow memory. */
export const LOGIN_KEYS_MAX = 10_000;

interface Entry {
  firstAt: number;
  failures: number;
}

export class LoginLimiter {
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  static key(username: string, ip: string): string {
    return `${username.toLowerCase()}\u0000${ip}`;
  }

  /** Milliseconds until the pair may try again; 0 when it may try now. */
  retryAfterMs(key: string): number {
    const e = this.#entries.get(key);
    if (e === undefined) return 0;
    const elapsed = this.#now() - e.firstAt;
    if (elapsed >= LOGIN_WINDOW_MS) {
      this.#entries.delete(key);
      return 0;
    }
    return e.failures >= LOGIN_FAILURES_MAX ? LOGIN_WINDOW_MS - elapsed : 0;
  }

  fail(key: string): void {
    const now = this.#now();
    const e = this.#entries.get(key);
    if (e === undefined || now - e.firstAt >= LOGIN_WINDOW_MS) {
      this.#entries.delete(key);
      this.#entries.set(key, { firstAt: now, failures: 1 });
      // Map iteration is insertion order: the first key is the oldest.
      if (this.#entries.size > LOGIN_KEYS_MAX) this.#entries.delete(this.#entries.keys().next().value!);
      return;
    }
    e.failures += 1;
  }

  succeed(key: string): void {
    this.#entries.delete(key);
  }
}

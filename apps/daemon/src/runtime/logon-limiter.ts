/**
 * One logon throttle for every way in (API login, SMB SESSION_SETUP, the current-password check of
 * a password change), so guesses cannot move to the protocol that does not count them.
 *
 * Failures are counted on three keys, each with exponential backoff once its free failures are used
 * up (the wait doubles with every further failure, from LOGON_BACKOFF_BASE_MS up to
 * LOGON_BACKOFF_MAX_MS, counted from the latest failure):
 *
 *   (account, address)  LOGON_PAIR_FREE     guessing one account from one address
 *   address             LOGON_ADDRESS_FREE  spraying many accounts from one address
 *   account             LOGON_ACCOUNT_FREE  guessing one account from many addresses
 *
 * The first two never affect another address, so guesses from one place cannot lock the real user
 * out elsewhere. The account-wide key is far above them and does not apply to an address the
 * account logged on from successfully (the last LOGON_GOOD_ADDRESSES_MAX), so even a distributed
 * guesser leaves the owner's usual places working. A refused attempt checks no password and counts
 * nothing; a success clears its (account, address) key only (the address and account keys decay).
 */

/** Failures of one account from one address before the backoff starts. */
export const LOGON_PAIR_FREE = 5;
/** Failures from one address (any accounts) before the backoff starts. */
export const LOGON_ADDRESS_FREE = 20;
/** Failures of one account (any addresses) before the account-wide backoff starts. */
export const LOGON_ACCOUNT_FREE = 100;
export const LOGON_BACKOFF_BASE_MS = 2_000;
export const LOGON_BACKOFF_MAX_MS = 15 * 60_000;
/** A key with no failure for this long is forgotten. */
export const LOGON_FORGET_MS = 30 * 60_000;
/** Tracked keys; the least recently failed are forgotten beyond this so a flood cannot grow memory. */
export const LOGON_KEYS_MAX = 20_000;
/** Addresses remembered per account as having logged on successfully. */
export const LOGON_GOOD_ADDRESSES_MAX = 16;
/** Accounts whose good addresses are remembered. */
export const LOGON_GOOD_ACCOUNTS_MAX = 10_000;

interface Counter {
  failures: number;
  lastAt: number;
}

/** Why a logon is refused: which key is backing off and for how long. */
export interface LogonWait {
  ms: number;
  scope: "pair" | "address" | "account";
}

export class LogonLimiter {
  readonly #counters = new Map<string, Counter>();
  readonly #good = new Map<string, string[]>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** How long `account` must wait before trying from `address`; null when it may try now. */
  check(account: string, address: string): LogonWait | null {
    const acct = account.toLowerCase();
    const scopes: Array<[LogonWait["scope"], string, number]> = [
      ["pair", pairKey(acct, address), LOGON_PAIR_FREE],
      ["address", `a\u0000${address}`, LOGON_ADDRESS_FREE],
    ];
    if (!this.#good.get(acct)?.includes(address))
      scopes.push(["account", `u\u0000${acct}`, LOGON_ACCOUNT_FREE]);
    let worst: LogonWait | null = null;
    for (const [scope, key, free] of scopes) {
      const ms = this.#waitMs(key, free);
      if (ms > 0 && (worst === null || ms > worst.ms)) worst = { ms, scope };
    }
    return worst;
  }

  /** A wrong password (or unknown account) from `address`. */
  fail(account: string, address: string): void {
    const acct = account.toLowerCase();
    for (const key of [pairKey(acct, address), `a\u0000${address}`, `u\u0000${acct}`]) this.#bump(key);
  }

  succeed(account: string, address: string): void {
    const acct = account.toLowerCase();
    this.#counters.delete(pairKey(acct, address));
    const good = (this.#good.get(acct) ?? []).filter((a) => a !== address);
    good.push(address);
    if (good.length > LOGON_GOOD_ADDRESSES_MAX) good.shift();
    this.#good.delete(acct);
    this.#good.set(acct, good);
    if (this.#good.size > LOGON_GOOD_ACCOUNTS_MAX) this.#good.delete(this.#good.keys().next().value!);
  }

  #waitMs(key: string, free: number): number {
    const c = this.#counters.get(key);
    if (c === undefined) return 0;
    const since = this.#now() - c.lastAt;
    if (since >= LOGON_FORGET_MS) {
      this.#counters.delete(key);
      return 0;
    }
    if (c.failures < free) return 0;
    return Math.max(0, backoffMs(c.failures - free) - since);
  }

  #bump(key: string): void {
    const now = this.#now();
    const c = this.#counters.get(key);
    const failures = c === undefined || now - c.lastAt >= LOGON_FORGET_MS ? 1 : c.failures + 1;
    // Re-insert so Map order is least recently failed first.
    this.#counters.delete(key);
    this.#counters.set(key, { failures, lastAt: now });
    if (this.#counters.size > LOGON_KEYS_MAX) this.#counters.delete(this.#counters.keys().next().value!);
  }
}

function pairKey(account: string, address: string): string {
  return `p\u0000${account}\u0000${address}`;
}

/** The wait after the n-th failure past the free ones (n = 0 for the first). */
export function backoffMs(n: number): number {
  return Math.min(LOGON_BACKOFF_MAX_MS, LOGON_BACKOFF_BASE_MS * 2 ** Math.min(n, 30));
}

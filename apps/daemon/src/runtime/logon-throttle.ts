/**
 * The daemon's one LogonGate: the LogonLimiter's backoff plus aggregated audit rows (one per
 * account, address and way in per window, with the count of the rest) for failed and refused
 * logons, so a guesser cannot flood the audit table.
 */

import type { AuditSink, LogonGate, NewAuditRow } from "../domain/logon.ts";
import { AuditDigest } from "./audit-digest.ts";
import { LogonLimiter } from "./logon-limiter.ts";

/** Longest account name copied from the wire into an audit row. */
const ACCOUNT_TEXT_MAX = 64;

export class LogonThrottle implements LogonGate {
  readonly limiter: LogonLimiter;
  readonly digest: AuditDigest;

  constructor(sink: AuditSink, now: () => number = Date.now) {
    this.limiter = new LogonLimiter(now);
    this.digest = new AuditDigest(sink, { now });
  }

  retryAfterMs(account: string, address: string): number {
    return this.limiter.check(account, address)?.ms ?? 0;
  }

  async failed(account: string, address: string, via: string, why: string): Promise<void> {
    this.limiter.fail(account, address);
    const actor = account.slice(0, ACCOUNT_TEXT_MAX);
    await this.digest.note(`fail\u0000${via}\u0000${actor}\u0000${address}`, {
      actor,
      action: via,
      target: `address:${address}`,
      result: "error",
      detail: `logon failed: ${why}`,
    });
  }

  succeeded(account: string, address: string): void {
    this.limiter.succeed(account, address);
  }

  refusal(key: string, row: NewAuditRow): Promise<void> {
    return this.digest.note(`other\u0000${key}`, row);
  }

  async refused(account: string, address: string, via: string, waitMs: number): Promise<void> {
    const actor = account.slice(0, ACCOUNT_TEXT_MAX);
    await this.digest.note(`wait\u0000${via}\u0000${actor}\u0000${address}`, {
      actor,
      action: via,
      target: `address:${address}`,
      result: "error",
      detail: `logon refused: too many failures, retry in ${Math.ceil(waitMs / 1000)} s`,
    });
  }
}

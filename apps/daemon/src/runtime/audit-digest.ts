/**
 * Audit rows for refusals a client can repeat at will (failed logons, unauthenticated mutations),
 * aggregated so a flood cannot push the real history out of the capped audit table.
 *
 * Per key (e.g. action + actor + address) the first refusal of a window writes a row at once; the
 * ones after it in the window are only counted, and the next row for that key (or the digest's
 * flush, run on a timer) carries the count. All keys together write at most
 * AUDIT_DIGEST_ROWS_PER_WINDOW rows per window; beyond that refusals are counted into one
 * "suppressed" row per window.
 */
import type { AuditSink, NewAuditRow } from "../domain/logon.ts";

export const AUDIT_DIGEST_WINDOW_MS = 60_000;
/**
 * Rows all keys together may write per window: 10 a minute is ~100k (the audit table's cap) in a
 * week, so a sustained flood still leaves a week of real history.
 */
export const AUDIT_DIGEST_ROWS_PER_WINDOW = 10;
/** Keys tracked; beyond this the oldest are flushed and forgotten. */
export const AUDIT_DIGEST_KEYS_MAX = 1_000;

interface Pending {
  row: NewAuditRow;
  windowStart: number;
  /** Repeats counted since the last row written for this key. */
  repeats: number;
  firstRepeatAt: number;
}

export class AuditDigest {
  readonly #pending = new Map<string, Pending>();
  readonly #sink: AuditSink;
  readonly #now: () => number;
  readonly #rowsPerWindow: number;
  #windowStart = 0;
  #rowsInWindow = 0;
  #overflow = 0;

  constructor(sink: AuditSink, opts: { now?: () => number; rowsPerWindow?: number } = {}) {
    this.#sink = sink;
    this.#now = opts.now ?? Date.now;
    this.#rowsPerWindow = opts.rowsPerWindow ?? AUDIT_DIGEST_ROWS_PER_WINDOW;
  }

  /** One refusal; resolves once any row it caused is written. */
  async note(key: string, row: NewAuditRow): Promise<void> {
    const now = this.#now();
    const p = this.#pending.get(key);
    if (p !== undefined && now - p.windowStart < AUDIT_DIGEST_WINDOW_MS) {
      if (p.repeats === 0) p.firstRepeatAt = now;
      p.repeats += 1;
      p.row = row;
      return;
    }
    const carried = p === undefined ? null : this.#summary(p);
    this.#pending.delete(key);
    this.#pending.set(key, { row, windowStart: now, repeats: 0, firstRepeatAt: now });
    if (this.#pending.size > AUDIT_DIGEST_KEYS_MAX) {
      const [oldKey, old] = this.#pending.entries().next().value!;
      this.#pending.delete(oldKey);
      if (old.repeats > 0) await this.#write(this.#summary(old));
    }
    if (carried !== null) await this.#write(carried);
    await this.#write(row);
  }

  /** Writes the counts of every key whose window has passed (and the overflow count). */
  async flush(all = false): Promise<void> {
    const now = this.#now();
    for (const [key, p] of [...this.#pending]) {
      if (!all && now - p.windowStart < AUDIT_DIGEST_WINDOW_MS) continue;
      this.#pending.delete(key);
      if (p.repeats > 0) await this.#write(this.#summary(p));
    }
    this.#rollWindow(now, all);
  }

  #summary(p: Pending): NewAuditRow {
    const since = new Date(p.firstRepeatAt).toISOString();
    return { ...p.row, detail: `${p.repeats} more like this since ${since} (last: ${p.row.detail ?? "-"})` };
  }

  async #write(row: NewAuditRow): Promise<void> {
    this.#rollWindow(this.#now(), false);
    if (this.#rowsInWindow >= this.#rowsPerWindow) {
      this.#overflow += 1;
      return;
    }
    this.#rowsInWindow += 1;
    await this.#sink(row);
  }

  #rollWindow(now: number, force: boolean): void {
    if (!force && now - this.#windowStart < AUDIT_DIGEST_WINDOW_MS) return;
    const overflow = this.#overflow;
    this.#windowStart = now;
    this.#rowsInWindow = 0;
    this.#overflow = 0;
    if (overflow > 0) {
      this.#rowsInWindow = 1;
      void Promise.resolve(
        this.#sink({
          actor: "system",
          action: "audit.suppressed",
          result: "error",
          detail: `${overflow} refused attempts in the last window were not recorded individually`,
        }),
      ).catch(() => undefined);
    }
  }
}

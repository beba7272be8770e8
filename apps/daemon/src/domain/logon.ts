/**
 * Logon throttling and the live side's audit rows: the shapes protocols and the control plane
 * share (the implementation is runtime/logon-throttle.ts).
 */

/** An audit row written by the live side (logon failures, aggregated refusals). */
export interface NewAuditRow {
  actor: string;
  action: string;
  target?: string | null;
  result: "ok" | "error";
  detail?: string | null;
  /** The client address the attempt came from. */
  address?: string | null;
}

export type AuditSink = (row: NewAuditRow) => Promise<void> | void;

/**
 * The logon throttle every way in shares (runtime/logon-limiter.ts): ask before checking a
 * password, report the outcome after.
 */
export interface LogonGate {
  /** Milliseconds to wait before `account` may try from `address`; 0 when it may try now. */
  retryAfterMs(account: string, address: string): number;
  failed(account: string, address: string, via: string, why: string): Promise<void>;
  succeeded(account: string, address: string): void;
  /** A refused attempt (throttled), for the aggregated audit. */
  refused(account: string, address: string, via: string, waitMs: number): Promise<void>;
  /**
   * Another refusal anyone can repeat at will (an unauthenticated API mutation): audited through
   * the same aggregating digest, one row per `key` and window.
   */
  refusal(key: string, row: NewAuditRow): Promise<void>;
}

/**
 * Connection lifecycle for a TCP listener (NFS and SMB alike): a global connection cap and a
 * per-client-address cap, a handshake deadline (no complete first request within
 * `handshakeTimeoutMs`: closed), a frame deadline (a frame started and then stalled for
 * `frameTimeoutMs` while we were reading: closed) and an idle timeout for connections that hold
 * nothing the client would lose (`idleTimeoutMs`; clients reconnect). When a cap is reached, the
 * oldest connection that never completed a request makes room (the same address first), so idle
 * sockets opened by a hostile peer cannot lock real clients out; only when there is none is the
 * newcomer refused. One sweep timer per listener checks every connection.
 */
import type { Logger } from "pino";
import type { TransportLimits } from "./limits.ts";

export interface GuardedConnection {
  readonly address: string;
  readonly acceptedAt: number;
  /** A complete first request (RPC call / SMB NEGOTIATE) arrived. */
  handshaken: boolean;
  /** Last time bytes arrived or a reply was sent. */
  lastActivityAt: number;
  /** A frame is partly received and we are reading (not paused by our own limits). */
  stalledFrame(): boolean;
  /** Holds something the idle timeout must not drop (calls in flight; SMB open files). */
  busy(): boolean;
  close(reason: CloseReason): void;
}

export type CloseReason = "handshake-timeout" | "frame-timeout" | "idle-timeout" | "evicted";

const SWEEP_MAX_MS = 1000;
const SWEEP_MIN_MS = 50;
const REFUSAL_LOG_INTERVAL_MS = 10_000;

export class ConnectionGuard {
  private readonly conns = new Set<GuardedConnection>();
  private readonly perAddress = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private lastRefusalLogAt = Number.NEGATIVE_INFINITY;
  private refusedSinceLog = 0;

  constructor(
    private readonly limits: TransportLimits,
    private readonly logger: Logger,
    private readonly onClosed: (reason: CloseReason | "refused") => void = () => {},
  ) {}

  get size(): number {
    return this.conns.size;
  }

  /**
   * Whether a new connection from `address` may be served, after evicting one that never
   * completed a request if a cap is reached. False: refuse it.
   */
  admit(address: string): boolean {
    const { maxConnections, maxConnectionsPerClient } = this.limits;
    if ((this.perAddress.get(address) ?? 0) >= maxConnectionsPerClient && !this.evict(address)) {
      return this.refuse(address, "per-client");
    }
    if (this.conns.size >= maxConnections && !this.evict(null)) return this.refuse(address, "global");
    return true;
  }

  add(conn: GuardedConnection): void {
    this.conns.add(conn);
    this.perAddress.set(conn.address, (this.perAddress.get(conn.address) ?? 0) + 1);
    this.timer ??= setInterval(() => this.sweep(), this.sweepMs()).unref();
  }

  remove(conn: GuardedConnection): void {
    if (!this.conns.delete(conn)) return;
    const n = (this.perAddress.get(conn.address) ?? 1) - 1;
    if (n <= 0) this.perAddress.delete(conn.address);
    else this.perAddress.set(conn.address, n);
    if (this.conns.size === 0) this.stop();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private refuse(address: string, cap: string): false {
    this.onClosed("refused");
    // Under a connection flood this runs per accept: one line per interval, with the count.
    this.refusedSinceLog++;
    const now = performance.now();
    if (now - this.lastRefusalLogAt >= REFUSAL_LOG_INTERVAL_MS) {
      this.logger.warn(
        { address, cap, connections: this.conns.size, refused: this.refusedSinceLog },
        "connection limit reached; refusing",
      );
      this.lastRefusalLogAt = now;
      this.refusedSinceLog = 0;
    }
    return false;
  }

  /** Closes the oldest connection (of `address`, if given) that never completed a request. */
  private evict(address: string | null): boolean {
    // Set iteration is insertion order: the first match is the oldest.
    for (const c of this.conns) {
      if (c.handshaken || (address !== null && c.address !== address)) continue;
      this.closeOne(c, "evicted");
      return true;
    }
    return false;
  }

  private closeOne(c: GuardedConnection, reason: CloseReason): void {
    // Removed now so the caps count it free at once; the socket's close event is a no-op then.
    this.remove(c);
    this.onClosed(reason);
    c.close(reason);
  }

  private sweepMs(): number {
    const { handshakeTimeoutMs, frameTimeoutMs, idleTimeoutMs } = this.limits;
    const shortest = Math.min(handshakeTimeoutMs, frameTimeoutMs, idleTimeoutMs);
    return Math.max(SWEEP_MIN_MS, Math.min(SWEEP_MAX_MS, Math.floor(shortest / 4)));
  }

  private sweep(): void {
    const now = performance.now();
    const { handshakeTimeoutMs, frameTimeoutMs, idleTimeoutMs } = this.limits;
    for (const c of [...this.conns]) {
      if (!c.handshaken && now - c.acceptedAt > handshakeTimeoutMs) this.closeOne(c, "handshake-timeout");
      else if (c.stalledFrame() && now - c.lastActivityAt > frameTimeoutMs) this.closeOne(c, "frame-timeout");
      else if (!c.busy() && now - c.lastActivityAt > idleTimeoutMs) this.closeOne(c, "idle-timeout");
    }
  }
}

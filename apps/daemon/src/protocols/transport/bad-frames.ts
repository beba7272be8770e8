/**
 * Bad frames and limit closes, counted for /metrics and logged at most once per peer address per
 * interval: a fuzzer or a hostile peer sends thousands of bad frames a second, and one warn line
 * each would flood the log (and the disk under it).
 */
import type { Logger } from "pino";
import type { ProtocolMetrics } from "../../domain/stats.ts";

const LOG_INTERVAL_MS = 10_000;
/** Peers remembered for rate limiting; beyond it the map starts over (worst case: more lines). */
const PEERS_MAX = 4096;

export class BadFrameLog {
  private readonly lastLogged = new Map<string, number>();
  private suppressed = 0;

  constructor(
    private readonly protocol: string,
    private readonly logger: Logger,
    private readonly metrics: ProtocolMetrics,
  ) {}

  /** A frame that broke the protocol (the connection is being closed). `reason` is a fixed label. */
  badFrame(address: string, reason: string, detail?: string): void {
    this.metrics.connectionEvent?.(this.protocol, "bad-frame", reason);
    const now = performance.now();
    const last = this.lastLogged.get(address);
    if (last !== undefined && now - last < LOG_INTERVAL_MS) {
      this.suppressed++;
      return;
    }
    if (this.lastLogged.size >= PEERS_MAX) this.lastLogged.clear();
    this.lastLogged.set(address, now);
    const suppressed = this.suppressed;
    this.suppressed = 0;
    this.logger.warn({ address, reason, detail, suppressed }, "bad frame; closing connection");
  }

  /** A connection closed or refused by a limit (handshake/idle/frame timeout, eviction, caps). */
  closed(reason: string): void {
    this.metrics.connectionEvent?.(this.protocol, "closed", reason);
  }
}

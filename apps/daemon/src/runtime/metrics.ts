/**
 * Protocol metrics: a prom-client counter and histogram per (protocol, op) for /metrics, plus a
 * small latency window per op (the last LATENCY_WINDOW_MS) so the console can show p50/p99 without
 * scraping Prometheus.
 * Each daemon has its own prom-client Registry (no global default registry), so several daemons
 * in one test process do not collide.
 */
import { Counter, Histogram, type Registry } from "prom-client";
import type { AdapterOpMetrics } from "../control/runtime-control.ts";
import type { ProtocolMetrics } from "../domain/stats.ts";

/** Latency samples kept per (protocol, op) for percentiles; older ones are overwritten. */
export const LATENCY_WINDOW_SAMPLES = 1024;
/**
 * Percentiles cover the samples of this last stretch of time only, so a burst long past (or an
 * idle op) does not hold p99 up forever; an op with no call in it reports 0.
 */
export const LATENCY_WINDOW_MS = 60_000;
/** Distinct ops per protocol we track; a misbehaving adapter cannot grow the label set forever. */
export const OPS_PER_PROTOCOL_MAX = 256;

const LATENCY_BUCKETS_SECONDS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5,
];

class OpStats {
  count = 0;
  errors = 0;
  readonly #window = new Float64Array(LATENCY_WINDOW_SAMPLES);
  /** When each window sample was taken (ms, the metrics clock). */
  readonly #at = new Float64Array(LATENCY_WINDOW_SAMPLES);
  #next = 0;
  /** The in-window samples sorted, kept until the next sample or a later cutoff. */
  #sorted: { cutoff: number; values: Float64Array } | null = null;

  record(durationMs: number, ok: boolean, now: number): void {
    this.count++;
    if (!ok) this.errors++;
    this.#window[this.#next % LATENCY_WINDOW_SAMPLES] = durationMs;
    this.#at[this.#next % LATENCY_WINDOW_SAMPLES] = now;
    this.#next++;
    this.#sorted = null;
  }

  percentile(p: number, now: number): number {
    const cutoff = now - LATENCY_WINDOW_MS;
    if (this.#sorted?.cutoff !== cutoff) {
      const n = Math.min(this.#next, LATENCY_WINDOW_SAMPLES);
      const values = this.#window.slice(0, n).filter((_, i) => this.#at[i]! >= cutoff);
      this.#sorted = { cutoff, values: values.sort() };
    }
    const { values } = this.#sorted;
    if (values.length === 0) return 0;
    return values[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!;
  }
}

export class PromProtocolMetrics implements ProtocolMetrics {
  readonly #ops = new Map<string, Map<string, OpStats>>();
  readonly #counter: Counter<"protocol" | "op" | "result">;
  readonly #histogram: Histogram<"protocol" | "op">;
  readonly #badFrames: Counter<"protocol" | "reason">;
  readonly #closed: Counter<"protocol" | "reason">;

  /** `now`: the clock of the latency window (tests pass their own). */
  constructor(
    registry: Registry,
    private readonly now: () => number = Date.now,
  ) {
    this.#badFrames = new Counter({
      name: "dittofs_bad_frames_total",
      help: "Frames that broke the protocol (the connection was closed), by protocol and reason",
      labelNames: ["protocol", "reason"],
      registers: [registry],
    });
    this.#closed = new Counter({
      name: "dittofs_connections_limited_total",
      help: "Connections closed or refused by a limit (timeouts, caps, eviction), by protocol and reason",
      labelNames: ["protocol", "reason"],
      registers: [registry],
    });
    this.#counter = new Counter({
      name: "dittofs_protocol_ops_total",
      help: "Protocol operations handled, by protocol, operation and result",
      labelNames: ["protocol", "op", "result"],
      registers: [registry],
    });
    this.#histogram = new Histogram({
      name: "dittofs_protocol_op_duration_seconds",
      help: "Protocol operation latency",
      labelNames: ["protocol", "op"],
      buckets: LATENCY_BUCKETS_SECONDS,
      registers: [registry],
    });
  }

  observe(protocol: string, op: string, durationMs: number, ok: boolean): void {
    let byOp = this.#ops.get(protocol);
    if (byOp === undefined) {
      byOp = new Map();
      this.#ops.set(protocol, byOp);
    }
    let stats = byOp.get(op);
    if (stats === undefined) {
      if (byOp.size >= OPS_PER_PROTOCOL_MAX) return;
      stats = new OpStats();
      byOp.set(op, stats);
    }
    stats.record(durationMs, ok, this.now());
    this.#counter.inc({ protocol, op, result: ok ? "ok" : "error" });
    this.#histogram.observe({ protocol, op }, durationMs / 1000);
  }

  connectionEvent(protocol: string, kind: "bad-frame" | "closed", reason: string): void {
    (kind === "bad-frame" ? this.#badFrames : this.#closed).inc({ protocol, reason });
  }

  snapshot(protocol: string): AdapterOpMetrics[] {
    const byOp = this.#ops.get(protocol);
    if (byOp === undefined) return [];
    const now = this.now();
    return [...byOp.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([op, stats]) => ({
        op,
        count: stats.count,
        errors: stats.errors,
        latencyMsP50: stats.percentile(50, now),
        latencyMsP99: stats.percentile(99, now),
      }));
  }
}

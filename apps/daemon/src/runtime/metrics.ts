/**
 * Protocol metrics: a counter and a histogram per (protocol, op) for /metrics, plus a small latency
 * window per op (the last LATENCY_WINDOW_MS) so the console can show p50/p99 without scraping
 * Prometheus. A call only bumps numbers in its op's OpStats (every protocol request observes once:
 * prom-client's labelled inc/observe hashed and validated the labels twice per call, ~0.6 µs and
 * ~800 B of garbage); the prom-client metrics read those totals when scraped (the counter through
 * `collect`, the histogram by exporting them, in prom-client's own format).
 * Each daemon has its own prom-client Registry (no global default registry), so several daemons
 * in one test process do not collide.
 */
import { Counter, Histogram, type MetricType, type MetricValueWithName, type Registry } from "prom-client";
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

export const LATENCY_BUCKETS_SECONDS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5,
];

class OpStats {
  count = 0;
  errors = 0;
  /** Calls per latency bucket (the first bound at or above the duration; the last slot: above all). */
  readonly buckets = new Float64Array(LATENCY_BUCKETS_SECONDS.length + 1);
  /** Sum of the durations, in seconds. */
  sumSeconds = 0;
  /** The op's labels, one object (prom-client caches their text by identity). */
  constructor(readonly labels: { protocol: string; op: string }) {}
  readonly #window = new Float64Array(LATENCY_WINDOW_SAMPLES);
  /** When each window sample was taken (ms, the metrics clock). */
  readonly #at = new Float64Array(LATENCY_WINDOW_SAMPLES);
  #next = 0;
  /** The in-window samples sorted, kept until the next sample or a later cutoff. */
  #sorted: { cutoff: number; values: Float64Array } | null = null;

  record(durationMs: number, ok: boolean, now: number): void {
    this.count++;
    if (!ok) this.errors++;
    const seconds = durationMs / 1000;
    this.sumSeconds += seconds;
    let b = 0;
    while (b < LATENCY_BUCKETS_SECONDS.length && seconds > LATENCY_BUCKETS_SECONDS[b]!) b++;
    this.buckets[b]!++;
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
    const ops = () => this.#allOps();
    new Counter({
      name: "dittofs_protocol_ops_total",
      help: "Protocol operations handled, by protocol, operation and result",
      labelNames: ["protocol", "op", "result"],
      registers: [registry],
      // The totals as OpStats counted them, set at each scrape.
      collect() {
        this.reset();
        for (const { labels, count, errors } of ops()) {
          if (count > errors) this.inc({ ...labels, result: "ok" }, count - errors);
          if (errors > 0) this.inc({ ...labels, result: "error" }, errors);
        }
      },
    });
    new OpDurationHistogram(registry, ops);
  }

  #allOps(): OpStats[] {
    const out: OpStats[] = [];
    for (const byOp of this.#ops.values()) for (const s of byOp.values()) out.push(s);
    return out;
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
      stats = new OpStats({ protocol, op });
      byOp.set(op, stats);
    }
    stats.record(durationMs, ok, this.now());
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

type OpDurationValue = MetricValueWithName<"protocol" | "op" | "le"> & { sharedLabels?: object };

const DURATION_NAME = "dittofs_protocol_op_duration_seconds";
const DURATION_HELP = "Protocol operation latency";
/** prom-client's type names are strings at run time; its typings declare a numeric enum. */
const HISTOGRAM = "histogram" as unknown as MetricType;

/** What prom-client's registry reads from a histogram's getForPromString (not in its typings). */
interface DurationExport<V> {
  name: string;
  help: string;
  type: MetricType;
  aggregator: "sum";
  values: V[];
}

/**
 * `dittofs_protocol_op_duration_seconds`, exported from the OpStats buckets in the shape
 * prom-client's Histogram exports its own (the registry prints `getForPromString`; `get`, for
 * JSON, is prom-client's over it): per op, cumulative `_bucket` counts per bound and +Inf, then `_sum` and `_count`.
 */
class OpDurationHistogram extends Histogram<"protocol" | "op"> {
  constructor(
    registry: Registry,
    private readonly ops: () => OpStats[],
  ) {
    super({
      name: DURATION_NAME,
      help: DURATION_HELP,
      labelNames: ["protocol", "op"],
      buckets: LATENCY_BUCKETS_SECONDS,
      registers: [registry],
    });
  }

  async getForPromString(): Promise<DurationExport<OpDurationValue>> {
    const values: OpDurationValue[] = [];
    const bucket = `${DURATION_NAME}_bucket`;
    for (const s of this.ops()) {
      let acc = 0;
      for (const [i, le] of LATENCY_BUCKETS_SECONDS.entries()) {
        acc += s.buckets[i]!;
        values.push({ labels: { le }, sharedLabels: s.labels, value: acc, metricName: bucket });
      }
      values.push({ labels: { le: "+Inf" }, sharedLabels: s.labels, value: s.count, metricName: bucket });
      values.push({
        labels: {},
        sharedLabels: s.labels,
        value: s.sumSeconds,
        metricName: `${DURATION_NAME}_sum`,
      });
      values.push({
        labels: {},
        sharedLabels: s.labels,
        value: s.count,
        metricName: `${DURATION_NAME}_count`,
      });
    }
    return { name: DURATION_NAME, help: DURATION_HELP, type: HISTOGRAM, aggregator: "sum", values };
  }
}

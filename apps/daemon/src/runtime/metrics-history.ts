/**
 * The daemon's own metrics history, so the console shows what happened before it was opened (or
 * reloaded): one snapshot a second for the last hour and one every ten seconds for the last day,
 * in two fixed-size rings (memory-bounded: per-operation detail is folded into one row per adapter).
 */
import type { AdapterOpMetrics, MetricsSnapshot } from "../control/runtime-control.ts";

/** How often the Runtime records a snapshot. */
export const HISTORY_SAMPLE_MS = 1000;
/** 1 h at 1 s. */
export const HISTORY_FINE_MAX = 3600;
/** 24 h at 10 s. */
export const HISTORY_COARSE_MAX = 8640;
/** Every this many fine samples one goes to the coarse ring. */
const COARSE_EVERY = 10;
/**
 * Shares kept per history sample, the busiest by bytes (the live snapshot has them all): keeps the
 * day of history within a few MiB however many shares there are.
 */
export const HISTORY_SHARES_MAX = 16;
/** The most snapshots one history read returns (longer ranges are thinned evenly). */
export const HISTORY_POINTS_MAX = 720;

class Ring<T> {
  readonly #items: (T | undefined)[];
  #next = 0;
  #size = 0;
  constructor(readonly capacity: number) {
    this.#items = new Array<T | undefined>(capacity);
  }
  push(item: T): void {
    this.#items[this.#next] = item;
    this.#next = (this.#next + 1) % this.capacity;
    this.#size = Math.min(this.#size + 1, this.capacity);
  }
  /** Oldest first. */
  toArray(): T[] {
    const out: T[] = [];
    const start = (this.#next - this.#size + this.capacity) % this.capacity;
    for (let i = 0; i < this.#size; i++) out.push(this.#items[(start + i) % this.capacity] as T);
    return out;
  }
}

/** One row per adapter: counts summed, p50 count-weighted, p99 the worst operation's. */
function foldOps(ops: readonly AdapterOpMetrics[]): AdapterOpMetrics[] {
  const used = ops.filter((o) => o.count > 0);
  if (used.length === 0) return [];
  const count = used.reduce((s, o) => s + o.count, 0);
  return [
    {
      op: "all",
      count,
      errors: used.reduce((s, o) => s + o.errors, 0),
      latencyMsP50: used.reduce((s, o) => s + o.latencyMsP50 * o.count, 0) / count,
      latencyMsP99: Math.max(...used.map((o) => o.latencyMsP99)),
    },
  ];
}

function busiest(shares: MetricsSnapshot["shares"]): MetricsSnapshot["shares"] {
  if (shares.length <= HISTORY_SHARES_MAX) return shares;
  const bytes = (t: MetricsSnapshot["shares"][number]) => t.readBytes + t.writtenBytes;
  return [...shares]
    .sort((a, b) => bytes(b) - bytes(a))
    .slice(0, HISTORY_SHARES_MAX)
    .sort((a, b) => a.share.localeCompare(b.share));
}

export class MetricsHistory {
  readonly #fine = new Ring<MetricsSnapshot>(HISTORY_FINE_MAX);
  readonly #coarse = new Ring<MetricsSnapshot>(HISTORY_COARSE_MAX);
  #added = 0;

  add(snapshot: MetricsSnapshot): void {
    const folded = {
      ...snapshot,
      adapters: snapshot.adapters.map((a) => ({ ...a, ops: foldOps(a.ops) })),
      shares: busiest(snapshot.shares),
    };
    this.#fine.push(folded);
    if (this.#added++ % COARSE_EVERY === 0) this.#coarse.push(folded);
  }

  /** Snapshots of the last `rangeSeconds` (up to `nowMs`), oldest first, at most HISTORY_POINTS_MAX. */
  range(rangeSeconds: number, nowMs = Date.now()): MetricsSnapshot[] {
    const from = nowMs - rangeSeconds * 1000;
    const source = rangeSeconds <= HISTORY_FINE_MAX ? this.#fine : this.#coarse;
    const picked = source.toArray().filter((s) => s.timestamp.getTime() >= from);
    if (picked.length <= HISTORY_POINTS_MAX) return picked;
    const step = picked.length / HISTORY_POINTS_MAX;
    return Array.from({ length: HISTORY_POINTS_MAX }, (_, i) => picked[Math.floor(i * step)]!).concat(
      picked.at(-1)!,
    );
  }
}

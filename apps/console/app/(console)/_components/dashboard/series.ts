/**
 * Turns the stream of metrics snapshots (cumulative counters plus gauges) into chart points:
 * gauges as they are, counters as per-second rates between consecutive snapshots.
 */
import type { AppRouter } from "@dittofs/daemon/router-types";
import type { inferRouterOutputs } from "@trpc/server";

export type Snapshot = inferRouterOutputs<AppRouter>["metrics"]["snapshot"];

/** Snapshots kept for the charts: two minutes at one per second. */
export const SNAPSHOTS_KEPT_MAX = 120;

export interface Point {
  /** Seconds relative to the newest sample (negative: in the past). */
  t: number;
  [series: string]: number | null;
}

const MIB = 1024 * 1024;
/** The daemon's per-sample cap on shares in its history (runtime/metrics-history.ts). */
const HISTORY_SHARES_MAX = 16;

function rate(now: number, prev: number, seconds: number): number {
  return seconds > 0 ? Math.max(0, now - prev) / seconds : 0;
}

function timeOf(s: Snapshot): number {
  return new Date(s.timestamp).getTime();
}

type Adapter = Snapshot["adapters"][number];

function opsTotal(a: Adapter | undefined): number {
  return (a?.ops ?? []).reduce((sum, o) => sum + o.count, 0);
}

/** Count-weighted median latency across operations, and the worst p99. */
function latency(a: Adapter): { p50: number | null; p99: number | null } {
  const used = a.ops.filter((o) => o.count > 0);
  if (used.length === 0) return { p50: null, p99: null };
  const total = used.reduce((s, o) => s + o.count, 0);
  return {
    p50: used.reduce((s, o) => s + o.latencyMsP50 * o.count, 0) / total,
    p99: Math.max(...used.map((o) => o.latencyMsP99)),
  };
}

/**
 * The point field of a share's throughput: recharts reads a dotted dataKey as a path, so the name
 * is URI-encoded with its dots escaped too.
 */
export function shareKey(share: string): string {
  return `share:${encodeURIComponent(share).replaceAll(".", "%2E")}`;
}

/**
 * The shares drawn on the throughput chart, at most `max`: those that moved the most bytes within
 * the samples shown (a share busy now beats one that was busy an hour ago), then the busiest since
 * start. A share missing from the oldest sample shown counts from zero.
 */
export function busiestShares(shown: readonly Snapshot[], max: number): string[] {
  const first = shown[0];
  const latest = shown.at(-1);
  if (first === undefined || latest === undefined) return [];
  const bytes = (t: Snapshot["shares"][number]) => t.readBytes + t.writtenBytes;
  const ranked = latest.shares.map((t) => {
    const before = first.shares.find((b) => b.share === t.share);
    return { share: t.share, recent: bytes(t) - (before ? bytes(before) : 0), total: bytes(t) };
  });
  return ranked
    .sort((a, b) => b.recent - a.recent || b.total - a.total)
    .slice(0, max)
    .map((t) => t.share);
}

function point(cur: Snapshot, prev: Snapshot, newest: number): Point {
  const dt = (timeOf(cur) - timeOf(prev)) / 1000;
  const p: Point = {
    t: Math.round((timeOf(cur) - newest) / 1000),
    cacheClean: cur.cache.cleanBytes / MIB,
    cacheDirty: cur.cache.dirtyBytes / MIB,
    cacheUploading: cur.cache.uploadingBytes / MIB,
    hitRatio: cur.cache.hits + cur.cache.misses > 0 ? cur.cache.hitRatio * 100 : null,
    evictions: rate(cur.cache.evictions, prev.cache.evictions, dt),
    walMiB: cur.wal ? cur.wal.bytes / MIB : null,
    walRecords: cur.wal && prev.wal ? rate(cur.wal.records, prev.wal.records, dt) : null,
    walFsyncs: cur.wal && prev.wal ? rate(cur.wal.fsyncs, prev.wal.fsyncs, dt) : null,
    walP50: cur.wal && cur.wal.fsyncs > 0 ? cur.wal.fsyncLatencyMsP50 : null,
    walP99: cur.wal && cur.wal.fsyncs > 0 ? cur.wal.fsyncLatencyMsP99 : null,
    queueDepth: cur.transfer.queueDepth,
    uploadsInFlight: cur.transfer.uploadsInFlight,
    downloadsInFlight: cur.transfer.downloadsInFlight,
    upMiBs: rate(cur.transfer.uploadedBytes, prev.transfer.uploadedBytes, dt) / MIB,
    downMiBs: rate(cur.transfer.downloadedBytes, prev.transfer.downloadedBytes, dt) / MIB,
    failures: rate(cur.transfer.failures, prev.transfer.failures, dt),
  };
  for (const a of cur.adapters) {
    const before = prev.adapters.find((b) => b.type === a.type);
    p[`${a.type}Ops`] = rate(opsTotal(a), opsTotal(before), dt);
    const l = latency(a);
    p[`${a.type}P50`] = l.p50;
    p[`${a.type}P99`] = l.p99;
  }
  for (const t of cur.shares) {
    const before = prev.shares.find((b) => b.share === t.share);
    // A share first in the newer sample had its first traffic in between (counted from zero), unless
    // the older one was a full history sample, which keeps only the busiest shares: then unknown.
    const base =
      before !== undefined
        ? before.readBytes + before.writtenBytes
        : prev.shares.length < HISTORY_SHARES_MAX
          ? 0
          : null;
    p[shareKey(t.share)] = base === null ? null : rate(t.readBytes + t.writtenBytes, base, dt) / MIB;
  }
  return p;
}

export function toPoints(snapshots: readonly Snapshot[]): Point[] {
  const newest = snapshots.at(-1);
  if (newest === undefined) return [];
  const out: Point[] = [];
  for (let i = 1; i < snapshots.length; i++)
    out.push(point(snapshots[i]!, snapshots[i - 1]!, timeOf(newest)));
  return out;
}

/** True when no series has a non-zero value yet: the chart then says so instead of a flat line. */
export function isEmpty(points: readonly Point[], keys: readonly string[]): boolean {
  return !points.some((p) =>
    keys.some((k) => {
      const v = p[k];
      return v !== null && v !== undefined && v !== 0;
    }),
  );
}

/**
 * Metrics the Runtime exports: the snapshot the console charts (metrics.snapshot / live) and the
 * gauges /metrics serves for payload, clients and adapters, read at scrape time.
 */
import { Gauge, type Registry } from "prom-client";
import type { AdapterStatus, MetricsSnapshot } from "../control/runtime-control.ts";
import type { PayloadStats } from "../domain/stats.ts";
import type { PromProtocolMetrics } from "./metrics.ts";
import type { ShareTraffic } from "./traffic.ts";

export function buildMetricsSnapshot(
  daemon: { id: string; name: string },
  payload: PayloadStats,
  adapters: AdapterStatus[],
  metrics: PromProtocolMetrics,
  shares: ShareTraffic[],
): MetricsSnapshot {
  const { cache } = payload;
  const accesses = cache.hits + cache.misses;
  const memory = process.memoryUsage();
  return {
    timestamp: new Date(),
    daemon: { id: daemon.id, name: daemon.name },
    cache: { ...cache, hitRatio: accesses === 0 ? 0 : cache.hits / accesses },
    wal: payload.wal === null ? null : { ...payload.wal },
    transfer: { ...payload.transfer },
    adapters: adapters.map((a) => ({
      type: a.type,
      running: a.running,
      connections: a.connections,
      ops: metrics.snapshot(a.type),
    })),
    shares,
    process: { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed, uptimeSeconds: process.uptime() },
  };
}

interface GaugeSource {
  metricsSnapshot(): MetricsSnapshot;
  clients: { countByProtocol(): Map<string, number> };
}

type Reading = [labels: Record<string, string>, value: number];

/** One gauge per line: name, help, labels, and how to read it from a snapshot. */
const GAUGES: ReadonlyArray<{
  name: string;
  help: string;
  labels: string[];
  read: (s: MetricsSnapshot, clients: Map<string, number>) => Reading[];
}> = [
  {
    name: "dittofs_cache_bytes",
    help: "Cache contents by state",
    labels: ["state"],
    read: (s) => [
      [{ state: "clean" }, s.cache.cleanBytes],
      [{ state: "dirty" }, s.cache.dirtyBytes],
      [{ state: "uploading" }, s.cache.uploadingBytes],
    ],
  },
  {
    name: "dittofs_cache_capacity_bytes",
    help: "Cache capacity",
    labels: [],
    read: (s) => [[{}, s.cache.capacityBytes]],
  },
  {
    name: "dittofs_cache_accesses",
    help: "Cache lookups since start, by result",
    labels: ["result"],
    read: (s) => [
      [{ result: "hit" }, s.cache.hits],
      [{ result: "miss" }, s.cache.misses],
    ],
  },
  {
    name: "dittofs_cache_evictions",
    help: "Clean slices evicted since start",
    labels: [],
    read: (s) => [[{}, s.cache.evictions]],
  },
  {
    name: "dittofs_wal_bytes",
    help: "Bytes in the write-ahead log",
    labels: [],
    read: (s) => [[{}, s.wal?.bytes ?? 0]],
  },
  {
    name: "dittofs_wal_fsyncs",
    help: "WAL fsyncs since start",
    labels: [],
    read: (s) => [[{}, s.wal?.fsyncs ?? 0]],
  },
  {
    name: "dittofs_transfer_queue_depth",
    help: "Block transfers waiting",
    labels: [],
    read: (s) => [[{}, s.transfer.queueDepth]],
  },
  {
    name: "dittofs_transfer_bytes",
    help: "Bytes moved to and from block stores since start",
    labels: ["direction"],
    read: (s) => [
      [{ direction: "upload" }, s.transfer.uploadedBytes],
      [{ direction: "download" }, s.transfer.downloadedBytes],
    ],
  },
  {
    name: "dittofs_transfer_failures",
    help: "Failed block transfers",
    labels: [],
    read: (s) => [[{}, s.transfer.failures]],
  },
  {
    name: "dittofs_share_bytes",
    help: "Bytes clients read and wrote through a share since start",
    labels: ["share", "direction"],
    read: (s) =>
      s.shares.flatMap((t): Reading[] => [
        [{ share: t.share, direction: "read" }, t.readBytes],
        [{ share: t.share, direction: "write" }, t.writtenBytes],
      ]),
  },
  {
    name: "dittofs_share_ops",
    help: "READ and WRITE calls on a share since start",
    labels: ["share", "op"],
    read: (s) =>
      s.shares.flatMap((t): Reading[] => [
        [{ share: t.share, op: "read" }, t.reads],
        [{ share: t.share, op: "write" }, t.writes],
      ]),
  },
  {
    name: "dittofs_adapter_up",
    help: "1 while a protocol adapter runs",
    labels: ["protocol"],
    read: (s) => s.adapters.map((a): Reading => [{ protocol: a.type }, a.running ? 1 : 0]),
  },
  {
    name: "dittofs_clients_connected",
    help: "Connected clients by protocol",
    labels: ["protocol"],
    read: (_s, clients) => [...clients].map(([protocol, n]): Reading => [{ protocol }, n]),
  },
];

/** A gauge other than the first reuses the scrape's snapshot when it is at most this old. */
export const SCRAPE_SNAPSHOT_REUSE_MS = 1_000;

/**
 * The gauges read one snapshot per scrape: the registry collects them in registration order, the
 * first takes a fresh snapshot and the rest reuse it (a snapshot sorts every op's latency window;
 * one per gauge made a scrape ~10x dearer). A lone gauge read later than the reuse window takes
 * its own.
 */
export function registerRuntimeGauges(registry: Registry, source: GaugeSource): void {
  let taken: { at: number; snapshot: MetricsSnapshot } | null = null;
  const snapshot = (first: boolean): MetricsSnapshot => {
    const now = performance.now();
    if (first || taken === null || now - taken.at > SCRAPE_SNAPSHOT_REUSE_MS) {
      taken = { at: now, snapshot: source.metricsSnapshot() };
    }
    return taken.snapshot;
  };
  GAUGES.forEach((spec, index) => {
    new Gauge({
      name: spec.name,
      help: spec.help,
      labelNames: spec.labels,
      registers: [registry],
      collect() {
        this.reset();
        for (const [labels, value] of spec.read(snapshot(index === 0), source.clients.countByProtocol())) {
          this.set(labels, value);
        }
      },
    });
  });
}

/**
 * Prometheus metrics for the payload layer, read from PayloadService.stats() at scrape time (no
 * bookkeeping on the data path). Counters are the service's monotonic totals; gauges are levels.
 * `registerPayloadMetrics(registry, service)` is called once by the composition root.
 */
import { Counter, Gauge, type Registry } from "prom-client";
import type { PayloadStats } from "../domain/stats.ts";
import type { PayloadService } from "./types.ts";

type Pick = (s: PayloadStats) => number | undefined;

const GAUGES: [string, string, Pick][] = [
  ["dittofs_payload_cache_capacity_bytes", "Configured cache size", (s) => s.cache.capacityBytes],
  ["dittofs_payload_cache_clean_bytes", "Cached block-store data (evictable)", (s) => s.cache.cleanBytes],
  ["dittofs_payload_cache_dirty_bytes", "Written data not yet uploading", (s) => s.cache.dirtyBytes],
  ["dittofs_payload_cache_uploading_bytes", "Written data being uploaded", (s) => s.cache.uploadingBytes],
  ["dittofs_payload_wal_bytes", "Bytes in retained WAL segments", (s) => s.wal?.bytes],
  ["dittofs_payload_wal_segments", "Retained WAL segment files", (s) => s.wal?.segments],
  [
    "dittofs_payload_wal_fsync_latency_p50_ms",
    "WAL fdatasync latency p50 (recent)",
    (s) => s.wal?.fsyncLatencyMsP50,
  ],
  [
    "dittofs_payload_wal_fsync_latency_p99_ms",
    "WAL fdatasync latency p99 (recent)",
    (s) => s.wal?.fsyncLatencyMsP99,
  ],
  ["dittofs_payload_transfer_queue_depth", "Transfers waiting for a slot", (s) => s.transfer.queueDepth],
  ["dittofs_payload_transfer_uploads_in_flight", "Uploads in flight", (s) => s.transfer.uploadsInFlight],
  [
    "dittofs_payload_transfer_downloads_in_flight",
    "Downloads in flight",
    (s) => s.transfer.downloadsInFlight,
  ],
];

const COUNTERS: [string, string, Pick][] = [
  ["dittofs_payload_cache_hits_total", "Block reads served from the cache", (s) => s.cache.hits],
  ["dittofs_payload_cache_misses_total", "Block reads that needed a download", (s) => s.cache.misses],
  ["dittofs_payload_cache_evictions_total", "Clean blocks evicted", (s) => s.cache.evictions],
  ["dittofs_payload_wal_records_total", "WAL records appended", (s) => s.wal?.records],
  ["dittofs_payload_wal_fsyncs_total", "WAL fdatasyncs (group commits)", (s) => s.wal?.fsyncs],
  ["dittofs_payload_uploaded_bytes_total", "Bytes uploaded to block stores", (s) => s.transfer.uploadedBytes],
  [
    "dittofs_payload_downloaded_bytes_total",
    "Bytes downloaded from block stores",
    (s) => s.transfer.downloadedBytes,
  ],
  ["dittofs_payload_transfer_failures_total", "Failed block-store calls", (s) => s.transfer.failures],
  ["dittofs_payload_transfer_retries_total", "Retried block-store calls", (s) => s.transfer.retries],
];

export function registerPayloadMetrics(registry: Registry, service: PayloadService): void {
  // One stats() per scrape, shared by every metric collected in that scrape.
  let snapshot: { at: number; stats: PayloadStats } | null = null;
  const stats = (): PayloadStats => {
    const now = Date.now();
    if (snapshot === null || now - snapshot.at > 100) snapshot = { at: now, stats: service.stats() };
    return snapshot.stats;
  };
  for (const [name, help, pick] of GAUGES) {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(pick(stats()) ?? 0);
      },
    });
  }
  for (const [name, help, pick] of COUNTERS) {
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(pick(stats()) ?? 0);
      },
    });
  }
}

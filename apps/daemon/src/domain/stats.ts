/**
 * The shapes of the daemon's counters, declared once: the payload parts produce them
 * (cache, WAL, transfer manager), PayloadService.stats() combines them, the Runtime's metrics
 * snapshot (console, `metrics.live`) and /metrics expose them.
 */

/** Block cache bytes by state and access counters. */
export interface CacheStats {
  capacityBytes: number;
  cleanBytes: number;
  dirtyBytes: number;
  uploadingBytes: number;
  hits: number;
  misses: number;
  evictions: number;
}

/** Write-ahead log size and group-commit fdatasync counters. */
export interface WalStats {
  bytes: number;
  /** Segment files retained. */
  segments: number;
  records: number;
  fsyncs: number;
  fsyncLatencyMsP50: number;
  fsyncLatencyMsP99: number;
}

/** Transfer manager queue, in-flight transfers and totals. */
export interface TransferStats {
  queueDepth: number;
  uploadsInFlight: number;
  downloadsInFlight: number;
  uploadedBytes: number;
  downloadedBytes: number;
  failures: number;
  /** Store calls retried after a failure. */
  retries: number;
}

export interface PayloadStats {
  cache: CacheStats;
  /** null when no share has a WAL (memory-only setups). */
  wal: WalStats | null;
  transfer: TransferStats;
}

/** Per-adapter operation counters and latency, exported to /metrics and the console. */
export interface ProtocolMetrics {
  observe(protocol: string, op: string, durationMs: number, ok: boolean): void;
  /** A bad frame (connection closed) or a connection closed/refused by a limit; `reason` is a fixed label. */
  connectionEvent?(protocol: string, kind: "bad-frame" | "closed", reason: string): void;
}

/** What clients read and wrote through the file service since start (READ/WRITE calls and bytes). */
export interface TrafficCounts {
  readBytes: number;
  writtenBytes: number;
  reads: number;
  writes: number;
}

/**
 * Where the file service counts every READ and WRITE: per share, and per connected client when
 * the protocol named one (`FileCall.client`, an id of the ClientRegistry).
 */
export interface TrafficSink {
  record(share: string, client: string | undefined, kind: "read" | "write", bytes: number): void;
}

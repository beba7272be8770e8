/**
 * What the control plane needs from the Runtime (implemented by runtime/runtime.ts).
 *
 * Every mutating method writes the ControlStore *and* updates the live state together, so a
 * change made through the API takes effect at once and survives a restart (docs/architecture.md
 * "Runtime"). Methods throw `ControlError` (NOT_FOUND, CONFLICT, IN_USE, INVALID — the same ones
 * ControlStore throws) or `FsError` when the live side fails (e.g. a store cannot be opened);
 * on such a failure the stored record must be left as it was before the call.
 *
 * Users, groups, permissions and settings are written by the API straight to the ControlStore,
 * followed by `identityChanged()` so the Runtime reloads its IdentityDirectory.
 */
import type {
  AdapterCreateInput,
  AdapterError,
  AdapterUpdateInput,
  BlockStoreCreateInput,
  BlockStoreUpdateInput,
  DaemonIdentity,
  MetadataStoreCreateInput,
  MetadataStoreUpdateInput,
  ShareCreateInput,
  ShareUpdateInput,
} from "@dittofs/shared";
import type { ConnectedClient } from "../domain/clients.ts";
import type { CacheStats, TrafficCounts, TransferStats, WalStats } from "../domain/stats.ts";
import type { AdapterRecord, ShareRecord, StoreKind, StoreRecord } from "./store/types.ts";

export interface AdapterStatus {
  type: string;
  running: boolean;
  /** The bound port while running, else the configured one. */
  port: number;
  /** When the adapter last started; null while stopped. */
  since: Date | null;
  connections: number;
  /** Why the latest start failed; null once a start succeeds (or none was tried). */
  error: AdapterError | null;
}

export interface StoreHealth {
  ok: boolean;
  latencyMs: number;
  detail?: string;
}

export interface AdapterOpMetrics {
  op: string;
  count: number;
  errors: number;
  latencyMsP50: number;
  latencyMsP99: number;
}

/** One sample of the daemon's counters; the console charts a stream of these (metrics.live). */
export interface MetricsSnapshot {
  timestamp: Date;
  /** The daemon these numbers are from (several may serve the same shares). */
  daemon: { id: string; name: string };
  /** hitRatio = hits / (hits + misses); 0 before the first access. */
  cache: CacheStats & { hitRatio: number };
  /** null when the WAL is disabled (memory-only setups). */
  wal: WalStats | null;
  transfer: TransferStats;
  adapters: Array<{
    type: string;
    running: boolean;
    connections: number;
    ops: AdapterOpMetrics[];
  }>;
  /** READ/WRITE totals of every share with traffic since start (the console derives rates). */
  shares: Array<{ share: string } & TrafficCounts>;
  process: { rssBytes: number; heapUsedBytes: number; uptimeSeconds: number };
}

/** What a live share holds, from its metadata store (cheap: cached aggregate). */
export interface ShareUsage {
  name: string;
  /** Files, directories and links under the share's root (the root itself not counted). */
  files: number;
  /** Summed file sizes. */
  bytes: number;
}

/** A share's blocks moving to another block store (runtime/share-migration.ts). */
export interface MigrationStatus {
  share: string;
  /** Block store names. */
  from: string;
  to: string;
  /**
   * copying, verifying: in progress (the share uses `from`); switched: the share uses `to`, the old
   * copy is kept until confirmed; done: confirmed; failed, cancelled: the share stayed on `from`.
   */
  phase: "copying" | "verifying" | "switched" | "done" | "failed" | "cancelled";
  startedAt: string;
  /** Of the current phase (copying, then verifying). */
  files: { done: number; total: number };
  bytes: { done: number; total: number };
  etaSeconds: number | null;
  error: string | null;
}

export interface RuntimeInfo {
  version: string;
  /** The Node.js release running the daemon ("v24.22.3"). */
  node: string;
  startedAt: Date;
  daemon: DaemonIdentity;
}

export interface RuntimeControl {
  createShare(input: ShareCreateInput): Promise<ShareRecord>;
  updateShare(input: ShareUpdateInput): Promise<ShareRecord>;
  deleteShare(name: string): Promise<void>;

  createMetadataStore(input: MetadataStoreCreateInput): Promise<StoreRecord>;
  updateMetadataStore(input: MetadataStoreUpdateInput): Promise<StoreRecord>;
  /** IN_USE while a share uses it. */
  deleteMetadataStore(name: string): Promise<void>;

  createBlockStore(input: BlockStoreCreateInput): Promise<StoreRecord>;
  updateBlockStore(input: BlockStoreUpdateInput): Promise<StoreRecord>;
  /** IN_USE while a share uses it. */
  deleteBlockStore(name: string): Promise<void>;

  /** Creates the row; starts the adapter when `enabled` (default true). */
  createAdapter(input: AdapterCreateInput): Promise<AdapterRecord>;
  /** A running adapter whose port or settings change is restarted with the new ones. */
  updateAdapter(input: AdapterUpdateInput): Promise<AdapterRecord>;
  /** Stops it if running, then removes the row. */
  deleteAdapter(type: string): Promise<void>;
  /** Starts it and stores enabled=true, so it runs again after a restart. */
  startAdapter(type: string): Promise<AdapterStatus>;
  /** Stops it and stores enabled=false, so it stays stopped after a restart. */
  stopAdapter(type: string): Promise<AdapterStatus>;
  /** NOT_FOUND for an adapter with no row. */
  adapterStatus(type: string): AdapterStatus;

  listClients(): ConnectedClient[];
  /** Closes a listed client's connection ("unsupported": an NFS mount, which has none to close). */
  disconnectClient(id: string): "ok" | "gone" | "unsupported";
  /**
   * Starts moving a share's blocks to another block store (IN_USE while one runs or an earlier one
   * awaits confirmation; INVALID for its own store; NOT_FOUND for an unknown share or store).
   */
  startMigration(share: string, blockStore: string): Promise<MigrationStatus>;
  /** Stops a running migration; the share stays on its store. NOT_FOUND when none runs. */
  cancelMigration(share: string): Promise<MigrationStatus>;
  /** Removes the old copy after a switch. NOT_FOUND when no migration has switched. */
  confirmMigration(share: string): Promise<MigrationStatus>;
  migrations(): MigrationStatus[];
  /** Usage of every live share (a share whose store is not open is left out). */
  shareUsage(): Promise<ShareUsage[]>;
  metricsSnapshot(): MetricsSnapshot;
  /** The last `rangeSeconds` of snapshots taken every second (bounded; runtime/metrics-history.ts). */
  metricsHistory(rangeSeconds: number): MetricsSnapshot[];
  /** NOT_FOUND for an unknown store; otherwise never throws (a failure is `ok: false`). */
  storeHealth(kind: StoreKind, name: string): Promise<StoreHealth>;
  /** Opens a throwaway block store of this type and config, probes it, closes it. */
  testBlockStore(type: string, config: Record<string, unknown>): Promise<StoreHealth>;
  /** Users, groups or permissions changed in the ControlStore: reload the identity directory. */
  identityChanged(): Promise<void>;
  info(): RuntimeInfo;
}

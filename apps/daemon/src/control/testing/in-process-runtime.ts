/**
 * A RuntimeControl for router tests: it writes the real ControlStore (SQLite or PostgreSQL) and
 * keeps its "live state" in maps, so tests can check that a procedure went through the Runtime
 * (live state changed) and not only the database. Not a mock of the store.
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type {
  AdapterCreateInput,
  AdapterUpdateInput,
  BlockStoreCreateInput,
  BlockStoreUpdateInput,
  MetadataStoreCreateInput,
  MetadataStoreUpdateInput,
  ShareCreateInput,
  ShareUpdateInput,
} from "@dittofs/shared";
import type { ConnectedClient } from "../../domain/clients.ts";
import { invalid, notFound } from "../errors.ts";
import type {
  AdapterStatus,
  MetricsSnapshot,
  MigrationStatus,
  RuntimeControl,
  StoreHealth,
} from "../runtime-control.ts";
import type { ControlStore } from "../store/control-store.ts";
import type { AdapterRecord, ShareRecord, StoreKind, StoreRecord } from "../store/types.ts";

/** The identity info() reports (a real Runtime derives it from config and its data dir). */
export const IN_PROCESS_DAEMON = { id: "0123456789abcdef", name: "in-process-test", hostname: "localhost" };

/** A snapshot of a daemon that moved no data yet (tests fill in what they look at). */
export function idleMetricsSnapshot(adapters: MetricsSnapshot["adapters"] = []): MetricsSnapshot {
  const mem = process.memoryUsage();
  return {
    timestamp: new Date(),
    daemon: { id: IN_PROCESS_DAEMON.id, name: IN_PROCESS_DAEMON.name },
    cache: {
      capacityBytes: 0,
      cleanBytes: 0,
      dirtyBytes: 0,
      uploadingBytes: 0,
      hits: 0,
      misses: 0,
      hitRatio: 0,
      evictions: 0,
    },
    wal: null,
    transfer: {
      queueDepth: 0,
      uploadsInFlight: 0,
      downloadsInFlight: 0,
      uploadedBytes: 0,
      downloadedBytes: 0,
      failures: 0,
      retries: 0,
    },
    adapters,
    shares: [],
    process: { rssBytes: mem.rss, heapUsedBytes: mem.heapUsed, uptimeSeconds: process.uptime() },
  };
}

interface LiveAdapter {
  running: boolean;
  since: Date | null;
  port: number;
}

export class InProcessRuntime implements RuntimeControl {
  readonly shares = new Map<string, ShareRecord>();
  readonly stores: Record<StoreKind, Map<string, StoreRecord>> = { metadata: new Map(), block: new Map() };
  readonly adapters = new Map<string, LiveAdapter>();
  readonly clients: ConnectedClient[] = [];
  identityReloads = 0;
  readonly #store: ControlStore;
  readonly #startedAt = new Date();

  constructor(store: ControlStore) {
    this.#store = store;
  }

  /** Like Runtime.loadFromStore(): live state from the stored records (a restart). */
  async load(): Promise<this> {
    for (const kind of ["metadata", "block"] as const) {
      for (const s of await this.#store.listStores(kind)) this.stores[kind].set(s.name, s);
    }
    for (const s of await this.#store.listShares()) this.shares.set(s.name, s);
    for (const a of await this.#store.listAdapters()) this.#setAdapter(a);
    return this;
  }

  #setAdapter(a: AdapterRecord): void {
    this.adapters.set(a.type, { running: a.enabled, since: a.enabled ? new Date() : null, port: a.port });
  }

  async createShare(input: ShareCreateInput): Promise<ShareRecord> {
    const rec = await this.#store.createShare(input);
    this.shares.set(rec.name, rec);
    return rec;
  }
  async updateShare(input: ShareUpdateInput): Promise<ShareRecord> {
    const { name, ...patch } = input;
    const rec = await this.#store.updateShare(name, patch);
    this.shares.set(rec.name, rec);
    return rec;
  }
  async deleteShare(name: string): Promise<void> {
    await this.#store.deleteShare(name);
    this.shares.delete(name);
  }

  async #createStore(
    kind: StoreKind,
    input: { name: string; type: string; config: Record<string, unknown> },
  ) {
    const rec = await this.#store.createStore(kind, input);
    this.stores[kind].set(rec.name, rec);
    return rec;
  }
  async #updateStore(
    kind: StoreKind,
    input: { name: string; type?: string; config?: Record<string, unknown> },
  ) {
    const rec = await this.#store.updateStore(kind, input.name, input);
    this.stores[kind].set(rec.name, rec);
    return rec;
  }
  async #deleteStore(kind: StoreKind, name: string) {
    await this.#store.deleteStore(kind, name);
    this.stores[kind].delete(name);
  }
  createMetadataStore = (input: MetadataStoreCreateInput) => this.#createStore("metadata", input);
  updateMetadataStore = (input: MetadataStoreUpdateInput) => this.#updateStore("metadata", input);
  deleteMetadataStore = (name: string) => this.#deleteStore("metadata", name);
  createBlockStore = (input: BlockStoreCreateInput) => this.#createStore("block", input);
  updateBlockStore = (input: BlockStoreUpdateInput) => this.#updateStore("block", input);
  deleteBlockStore = (name: string) => this.#deleteStore("block", name);

  async createAdapter(input: AdapterCreateInput): Promise<AdapterRecord> {
    const rec = await this.#store.createAdapter(input);
    this.#setAdapter(rec);
    return rec;
  }
  async updateAdapter(input: AdapterUpdateInput): Promise<AdapterRecord> {
    const { type, ...patch } = input;
    const rec = await this.#store.updateAdapter(type, patch);
    this.#setAdapter(rec);
    return rec;
  }
  async deleteAdapter(type: string): Promise<void> {
    await this.#store.deleteAdapter(type);
    this.adapters.delete(type);
  }
  async startAdapter(type: string): Promise<AdapterStatus> {
    const rec = await this.#store.updateAdapter(type, { enabled: true });
    const live = this.adapters.get(type);
    if (live?.running !== true) this.#setAdapter(rec);
    return this.adapterStatus(type);
  }
  async stopAdapter(type: string): Promise<AdapterStatus> {
    const rec = await this.#store.updateAdapter(type, { enabled: false });
    this.#setAdapter(rec);
    return this.adapterStatus(type);
  }
  adapterStatus(type: string): AdapterStatus {
    const live = this.adapters.get(type);
    if (live === undefined) throw notFound("adapter", type, "type");
    return {
      type,
      running: live.running,
      port: live.port,
      since: live.since,
      connections: 0,
      error: null,
    };
  }

  /** Shares "hold" what a test sets here (a real Runtime asks the metadata stores). */
  readonly usage = new Map<string, { files: number; bytes: number }>();
  async shareUsage() {
    return [...this.shares.keys()].map((name) => ({
      name,
      ...(this.usage.get(name) ?? { files: 0, bytes: 0 }),
    }));
  }
  /**
   * Holds no blocks, so a migration switches at once (the record's store changes) and waits for
   * its confirmation; the real copy is runtime/share-migration.ts.
   */
  readonly #migrations = new Map<string, MigrationStatus>();
  async startMigration(share: string, blockStore: string): Promise<MigrationStatus> {
    const rec = this.shares.get(share);
    if (rec === undefined) throw notFound("share", share);
    if (!this.stores.block.has(blockStore)) throw notFound("block store", blockStore, "blockStore");
    if (rec.blockStore === blockStore) throw invalid("blockStore", `share ${share} already uses it`);
    this.shares.set(share, await this.#store.updateShare(share, { blockStore }));
    const status: MigrationStatus = {
      share,
      from: rec.blockStore,
      to: blockStore,
      phase: "switched",
      startedAt: new Date().toISOString(),
      files: { done: 0, total: 0 },
      bytes: { done: 0, total: 0 },
      etaSeconds: null,
      error: null,
    };
    this.#migrations.set(share, status);
    return status;
  }
  async cancelMigration(share: string): Promise<MigrationStatus> {
    throw notFound("migration in progress for share", share, "name");
  }
  async confirmMigration(share: string): Promise<MigrationStatus> {
    const status = this.#migrations.get(share);
    if (status === undefined) throw notFound("switched migration of share", share, "name");
    this.#migrations.delete(share);
    return { ...status, phase: "done" };
  }
  migrations(): MigrationStatus[] {
    return [...this.#migrations.values()];
  }
  /** What metrics.history returns (a real Runtime samples every second). */
  readonly history: MetricsSnapshot[] = [];
  metricsHistory(rangeSeconds: number): MetricsSnapshot[] {
    const from = Date.now() - rangeSeconds * 1000;
    return this.history.filter((s) => s.timestamp.getTime() >= from);
  }
  listClients(): ConnectedClient[] {
    return [...this.clients];
  }
  /** A listed client is removed if `disconnectable` (a real Runtime closes its connection). */
  disconnectClient(id: string): "ok" | "gone" | "unsupported" {
    const at = this.clients.findIndex((c) => c.id === id);
    if (at < 0) return "gone";
    if (!this.clients[at]?.disconnectable) return "unsupported";
    this.clients.splice(at, 1);
    return "ok";
  }

  metricsSnapshot(): MetricsSnapshot {
    return idleMetricsSnapshot(
      [...this.adapters].map(([type, a]) => ({ type, running: a.running, connections: 0, ops: [] })),
    );
  }

  async storeHealth(kind: StoreKind, name: string): Promise<StoreHealth> {
    if (!this.stores[kind].has(name)) throw notFound(`${kind} store`, name);
    return { ok: true, latencyMs: 0 };
  }

  /** Real probes where they are cheap: `fs` writes and removes a file under its path. */
  async testBlockStore(type: string, config: Record<string, unknown>): Promise<StoreHealth> {
    const started = performance.now();
    if (type === "memory") return { ok: true, latencyMs: 0 };
    if (type !== "fs") return { ok: false, latencyMs: 0, detail: `${type} is not probed in tests` };
    try {
      const dir = String(config.path);
      await mkdir(dir, { recursive: true });
      const probe = join(dir, `.probe-${process.pid}`);
      await writeFile(probe, "probe");
      await rm(probe);
      return { ok: true, latencyMs: performance.now() - started };
    } catch (e) {
      return { ok: false, latencyMs: performance.now() - started, detail: (e as Error).message };
    }
  }

  async identityChanged(): Promise<void> {
    this.identityReloads += 1;
  }

  info() {
    return {
      version: "0.0.0-test",
      node: process.version,
      startedAt: this.#startedAt,
      daemon: IN_PROCESS_DAEMON,
    };
  }
}

/**
 * The Runtime: the single owner of live state (open stores, registered shares, running adapters,
 * connected clients, the identity directory) next to the control-plane store. Every control
 * method writes the store *and* changes the live state, so a change takes effect at once and
 * survives a restart; when the live half fails, the stored record is put back as it was.
 */

import type { DaemonIdentity } from "@dittofs/shared";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { inUse } from "../control/errors.ts";
import type {
  AdapterStatus,
  MetricsSnapshot,
  RuntimeControl,
  RuntimeInfo,
  ShareUsage,
  StoreHealth,
} from "../control/runtime-control.ts";
import type { AdapterRecord, ShareRecord, StoreKind } from "../control/store/types.ts";
import { receivePoolFor } from "../domain/buffer-pool.ts";
import type { ConnectedClient } from "../domain/clients.ts";
import type { IdentityDirectory } from "../domain/identity.ts";
import type { ShareInfo } from "../domain/share.ts";
import { FileService } from "../files/service.ts";
import type { AdapterContext } from "../protocols/adapter.ts";
import { ByteBudget } from "../protocols/transport/budget.ts";
import { type AdapterRegistry, adapterFactories } from "./adapter-registry.ts";
import { AdapterManager } from "./adapters.ts";
import { AUDIT_DIGEST_WINDOW_MS } from "./audit-digest.ts";
import { MemoryClientRegistry } from "./clients.ts";
import { loadDaemonIdentity } from "./daemon-identity.ts";
import { errorText } from "./failures.ts";
import { SnapshotIdentityDirectory } from "./identity.ts";
import { LiveStores } from "./live-stores.ts";
import { LogonThrottle } from "./logon-throttle.ts";
import { PromProtocolMetrics } from "./metrics.ts";
import { HISTORY_SAMPLE_MS, MetricsHistory } from "./metrics-history.ts";
import { RuntimeAdapters } from "./runtime-adapters.ts";
import { RuntimeShares } from "./runtime-shares.ts";
import type { RuntimeStore } from "./runtime-store.ts";
import { RuntimeStores } from "./runtime-stores.ts";
import type { ManagedMetadataService, ManagedPayloadService, RuntimeServices } from "./services.ts";
import { ShareMigrations } from "./share-migration.ts";
import { waitForTermination } from "./signals.ts";
import { buildMetricsSnapshot, registerRuntimeGauges } from "./snapshot.ts";
import { TrafficMeter } from "./traffic.ts";
import { DAEMON_VERSION, NODE_VERSION } from "./version.ts";

export interface RuntimeOptions {
  store: RuntimeStore;
  services: RuntimeServices;
  logger: Logger;
  dataDir: string;
  metricsRegistry: Registry;
  /** Protocol → factory; defaults to the built-in registry. */
  adapters?: AdapterRegistry;
  /** Address adapters bind unless their settings name one (default 0.0.0.0). */
  adapterHost?: string;
  /** Every adapter binds this port instead of its row's (0 in tests). */
  adapterPortOverride?: number;
  /** `daemon.name` from the config; default `<hostname>-<id>` (daemon-identity.ts). */
  daemonName?: string | null;
  /** Bounds on opening a store and on its health probe (defaults in bounded.ts). */
  storeTimeouts?: { openMs: number; healthMs: number };
  /**
   * The daemon's memory budget (config `memory.budget`): connections are admitted against the
   * process's resident set (transport/budget.ts). Absent (tests): only the bytes connections
   * reserve are limited, to the default room.
   */
  memoryBudgetBytes?: number;
}

export class Runtime implements RuntimeControl {
  readonly clients = new MemoryClientRegistry();
  /** READ/WRITE totals per share and per client, counted by the file service. */
  readonly traffic = new TrafficMeter(this.clients);
  /** Which daemon this is: in /health, on every metric (label `daemon`), in the API. */
  readonly daemon: DaemonIdentity;
  readonly metrics: PromProtocolMetrics;
  /**
   * What adapters get (AdapterContext), plus the services behind the file service for the
   * Runtime's own callers (tests seed data through them); adapters see only the former.
   */
  readonly context: AdapterContext & { metadata: ManagedMetadataService; payload: ManagedPayloadService };
  /** Shared by the API login and every protocol's logon (logon-limiter.ts). */
  readonly logons: LogonThrottle;
  readonly #digestTimer: NodeJS.Timeout;
  readonly #opts: RuntimeOptions;
  readonly #stores: LiveStores;
  readonly #manager: AdapterManager;
  readonly #shares: RuntimeShares;
  readonly #storeOps: RuntimeStores;
  readonly #migrations: ShareMigrations;
  readonly #adapterOps: RuntimeAdapters;
  readonly #startedAt = new Date();
  #identity: IdentityDirectory = new SnapshotIdentityDirectory({
    principals: [],
    groups: [],
    permissions: [],
  });
  #stopping: Promise<void> | null = null;
  readonly #history = new MetricsHistory();
  readonly #historyTimer: NodeJS.Timeout;
  /**
   * Control changes run one at a time: each is a store write plus live changes that must not
   * interleave with another's (a start and a stop clicked together must leave the row and the
   * running state in agreement). They are rare, so one queue costs nothing.
   */
  #queue: Promise<unknown> = Promise.resolve();

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(fn, fn);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  constructor(opts: RuntimeOptions) {
    this.#opts = opts;
    this.daemon = loadDaemonIdentity(opts.dataDir, opts.daemonName);
    // Scrapes of several daemons behind one service stay apart without relabeling.
    opts.metricsRegistry.setDefaultLabels({ daemon: this.daemon.name });
    this.metrics = new PromProtocolMetrics(opts.metricsRegistry);
    this.#stores = new LiveStores(opts.services, opts.dataDir, opts.logger, opts.storeTimeouts);
    // A share's orphans are swept through the file service once both services serve it.
    this.#shares = new RuntimeShares(opts.store, opts.services, this.#stores, opts.logger, (share) =>
      this.context.files.sweepOrphans(share),
    );
    this.#storeOps = new RuntimeStores(opts.store, this.#stores, this.#shares);
    this.#migrations = new ShareMigrations({
      services: opts.services,
      stores: this.#stores,
      shares: this.#shares,
      dataDir: opts.dataDir,
      logger: opts.logger,
      audit: (row) => opts.store.appendAudit(row),
    });
    this.logons = new LogonThrottle((row) =>
      opts.store.appendAudit(row).catch((err) => opts.logger.error({ err }, "audit write failed")),
    );
    // Writes the counts of aggregated refusals whose window passed even if no later one comes.
    this.#digestTimer = setInterval(() => void this.logons.digest.flush(), AUDIT_DIGEST_WINDOW_MS).unref();
    this.#historyTimer = setInterval(() => this.#recordHistory(), HISTORY_SAMPLE_MS).unref();
    // Adapters and the file service keep this object; lookups go to the newest snapshot.
    const identity: IdentityDirectory = {
      byName: (name) => this.#identity.byName(name),
      byUid: (uid) => this.#identity.byUid(uid),
      permission: (principal, share) => this.#identity.permission(principal, share),
    };
    this.context = {
      logger: opts.logger,
      files: new FileService({
        metadata: opts.services.metadata,
        payload: opts.services.payload,
        identity,
        logger: opts.logger,
        traffic: this.traffic,
      }),
      metadata: opts.services.metadata,
      payload: opts.services.payload,
      shares: { list: () => this.#shares.list(), get: (name) => this.#shares.get(name) },
      identity,
      clients: this.clients,
      metrics: this.metrics,
      logons: this.logons,
      bufferBudget:
        opts.memoryBudgetBytes === undefined
          ? new ByteBudget()
          : new ByteBudget(opts.memoryBudgetBytes, () => process.memoryUsage.rss()),
      // One pool for every listener: NFS and SMB WRITEs reuse what the payload cache let go of.
      receivePool: receivePoolFor(opts.services.payload),
      nfs4Clients: opts.store.nfs4Clients(this.daemon.id),
    };
    this.#manager = new AdapterManager({
      factories: opts.adapters ?? adapterFactories,
      context: this.context,
      logger: opts.logger,
      host: opts.adapterHost ?? "0.0.0.0",
      portOverride: opts.adapterPortOverride,
      clients: this.clients,
    });
    this.#adapterOps = new RuntimeAdapters(opts.store, this.#manager);
    registerRuntimeGauges(opts.metricsRegistry, this);
  }

  get identity(): IdentityDirectory {
    return this.context.identity;
  }

  /** Opens every stored store, registers every share, starts every enabled adapter. */
  loadFromStore(): Promise<void> {
    return this.#serial(() => this.#load());
  }

  async #load(): Promise<void> {
    await this.identityChanged();
    await this.#storeOps.openAll();
    await this.#shares.registerAll();
    await this.#migrations.resumeAll();
    await this.#adapterOps.startEnabled();
  }

  /** Runs until SIGTERM/SIGINT (or `signal`), then stops gracefully. */
  async serve(signal?: AbortSignal): Promise<void> {
    await waitForTermination({ signal });
    await this.stop();
  }

  /** Adapters stop accepting and finish in-flight requests; writes are made durable; stores close. */
  stop(): Promise<void> {
    // Queued behind any control change in flight, so none runs against closed stores.
    this.#stopping ??= this.#serial(() => this.#stop());
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    const { logger, services } = this.#opts;
    await this.#manager.stopAll();
    await this.#migrations.stopAll();
    clearInterval(this.#digestTimer);
    clearInterval(this.#historyTimer);
    await this.logons.digest.flush(true);
    await services.payload.flushAll().catch((err) => logger.error({ err }, "flushing payload failed"));
    await services.payload.close().catch((err) => logger.error({ err }, "closing payload service failed"));
    await this.#stores.closeAll();
  }

  shareInfos(): ShareInfo[] {
    return this.#shares.list();
  }

  createShare: RuntimeControl["createShare"] = (input) => this.#serial(() => this.#shares.create(input));
  updateShare: RuntimeControl["updateShare"] = (input) =>
    this.#serial(() => this.#unlessMigrating(input.name, () => this.#shares.update(input)));
  deleteShare: RuntimeControl["deleteShare"] = (name) =>
    this.#serial(() =>
      this.#unlessMigrating(name, async () => {
        await this.#shares.delete(name);
        await this.#migrations.forget(name);
        this.traffic.forget(name);
      }),
    );

  /** A share being copied keeps its stores and stays until the copy ends or is cancelled. */
  #unlessMigrating<T>(share: string, fn: () => Promise<T>): Promise<T> {
    if (this.#migrations.active(share))
      throw inUse(`share ${share} is moving to another block store; cancel the migration first`);
    return fn();
  }

  /** A block store a migration copies from or to keeps its config until the migration is settled. */
  #unlessMigrationUses<T>(store: string, fn: () => Promise<T>): Promise<T> {
    const share = this.#migrations.using(store);
    if (share !== undefined)
      throw inUse(
        `block store ${store} is used by the migration of share ${share}; finish or cancel it first`,
      );
    return fn();
  }

  startMigration: RuntimeControl["startMigration"] = (share, blockStore) =>
    this.#serial(async () => this.#migrations.start(share, blockStore));
  cancelMigration: RuntimeControl["cancelMigration"] = (share) => this.#migrations.cancel(share);
  confirmMigration: RuntimeControl["confirmMigration"] = (share) =>
    this.#serial(() => this.#migrations.confirm(share));
  migrations: RuntimeControl["migrations"] = () => this.#migrations.list();

  createMetadataStore: RuntimeControl["createMetadataStore"] = (input) =>
    this.#serial(() => this.#storeOps.create("metadata", input));
  updateMetadataStore: RuntimeControl["updateMetadataStore"] = (input) =>
    this.#serial(() => this.#storeOps.update("metadata", input));
  deleteMetadataStore: RuntimeControl["deleteMetadataStore"] = (name) =>
    this.#serial(() => this.#storeOps.delete("metadata", name));
  createBlockStore: RuntimeControl["createBlockStore"] = (input) =>
    this.#serial(() => this.#storeOps.create("block", input));
  updateBlockStore: RuntimeControl["updateBlockStore"] = (input) =>
    this.#serial(() => this.#unlessMigrationUses(input.name, () => this.#storeOps.update("block", input)));
  deleteBlockStore: RuntimeControl["deleteBlockStore"] = (name) =>
    this.#serial(() => this.#unlessMigrationUses(name, () => this.#storeOps.delete("block", name)));

  createAdapter: RuntimeControl["createAdapter"] = (input) =>
    this.#serial(() => this.#adapterOps.create(input));
  updateAdapter: RuntimeControl["updateAdapter"] = (input) =>
    this.#serial(() => this.#adapterOps.update(input));
  deleteAdapter: RuntimeControl["deleteAdapter"] = (type) =>
    this.#serial(() => this.#adapterOps.delete(type));
  startAdapter: RuntimeControl["startAdapter"] = (type) => this.#serial(() => this.#adapterOps.start(type));
  stopAdapter: RuntimeControl["stopAdapter"] = (type) => this.#serial(() => this.#adapterOps.stop(type));

  adapterStatus(type: string): AdapterStatus {
    return this.#adapterOps.status(type);
  }

  adapterStatuses(): AdapterStatus[] {
    return this.#adapterOps.statuses();
  }

  adapterRecords(): AdapterRecord[] {
    return this.#adapterOps.records();
  }

  listClients(): ConnectedClient[] {
    return this.clients.list();
  }

  disconnectClient(id: string): "ok" | "gone" | "unsupported" {
    return this.clients.disconnect(id);
  }

  shareUsage(): Promise<ShareUsage[]> {
    return this.#shares.usage();
  }

  metricsHistory(rangeSeconds: number): MetricsSnapshot[] {
    return this.#history.range(rangeSeconds);
  }

  #recordHistory(): void {
    try {
      this.#history.add(this.metricsSnapshot());
    } catch (err) {
      this.#opts.logger.warn({ err }, "metrics sample failed");
    }
  }

  metricsSnapshot(): MetricsSnapshot {
    return buildMetricsSnapshot(
      this.daemon,
      this.#opts.services.payload.stats(),
      this.adapterStatuses(),
      this.metrics,
      this.traffic.shares(),
    );
  }

  async storeHealth(kind: StoreKind, name: string): Promise<StoreHealth> {
    await this.#opts.store.getStore(kind, name);
    return this.#stores.health(kind, name);
  }

  async testBlockStore(type: string, config: Record<string, unknown>): Promise<StoreHealth> {
    const started = performance.now();
    try {
      const store = await this.#stores.openDetached("block", type, config);
      try {
        return await this.#stores.probe("block", `(${type})`, store);
      } finally {
        await store.close().catch(() => undefined);
      }
    } catch (err) {
      return { ok: false, latencyMs: performance.now() - started, detail: errorText(err) };
    }
  }

  async identityChanged(): Promise<void> {
    this.#identity = new SnapshotIdentityDirectory(await this.#opts.store.loadIdentity());
  }

  info(): RuntimeInfo {
    return { version: DAEMON_VERSION, node: NODE_VERSION, startedAt: this.#startedAt, daemon: this.daemon };
  }

  /** Control store reachable and every store a share uses healthy. */
  async readiness(): Promise<Array<{ name: string; ok: boolean; detail?: string }>> {
    const checks: Array<{ name: string; ok: boolean; detail?: string }> = [];
    try {
      await this.#opts.store.countUsers();
      checks.push({ name: "control-store", ok: true });
    } catch (err) {
      checks.push({ name: "control-store", ok: false, detail: errorText(err) });
    }
    const used = new Set<string>();
    for (const share of await this.#shares.records().catch(() => [] as ShareRecord[])) {
      used.add(`metadata:${share.metadataStore}`);
      used.add(`block:${share.blockStore}`);
    }
    for (const key of used) {
      const [kind, name] = key.split(/:(.*)/) as [StoreKind, string];
      const health = await this.#stores.health(kind, name);
      checks.push({
        name: `${kind}-store ${name}`,
        ok: health.ok,
        ...(health.detail ? { detail: health.detail } : {}),
      });
    }
    return checks;
  }
}

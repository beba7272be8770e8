/**
 * The open metadata and block stores, by name. A store is opened once and shared by every share
 * that names it; it is closed when its record is deleted or replaced, or at shutdown.
 */
import { resolve } from "node:path";
import type { Logger } from "pino";
import type { StoreHealth } from "../control/runtime-control.ts";
import type { StoreKind, StoreRecord } from "../control/store/types.ts";
import type { MetadataStore } from "../metadata/metadata-store.ts";
import type { BlockStore } from "../payload/types.ts";
import { bounded, STORE_HEALTH_TIMEOUT_MS, STORE_OPEN_TIMEOUT_MS } from "./bounded.ts";
import type { RuntimeServices } from "./services.ts";

type LiveStore = MetadataStore | BlockStore;

export class LiveStores {
  readonly #open: Record<StoreKind, Map<string, LiveStore>> = { metadata: new Map(), block: new Map() };
  /** Why a stored config could not be opened, for health checks and logs. */
  readonly #failures: Record<StoreKind, Map<string, string>> = { metadata: new Map(), block: new Map() };

  constructor(
    private readonly services: RuntimeServices,
    private readonly dataDir: string,
    private readonly logger: Logger,
    private readonly timeouts: { openMs: number; healthMs: number } = {
      openMs: STORE_OPEN_TIMEOUT_MS,
      healthMs: STORE_HEALTH_TIMEOUT_MS,
    },
  ) {}

  metadata(name: string): MetadataStore | undefined {
    return this.#open.metadata.get(name) as MetadataStore | undefined;
  }

  block(name: string): BlockStore | undefined {
    return this.#open.block.get(name) as BlockStore | undefined;
  }

  /**
   * Opens a store from a record without registering it (the caller decides when to). A relative
   * `path` is under the data dir for every store type, whatever the opener would assume. An open
   * that does not finish in time fails with ETIMEDOUT naming the store; if it finishes later, the
   * store it produced is closed.
   */
  async openDetached(
    kind: StoreKind,
    type: string,
    config: Record<string, unknown>,
    name = `(${type})`,
  ): Promise<LiveStore> {
    const opener = kind === "metadata" ? this.services.openMetadataStore : this.services.openBlockStore;
    const path =
      typeof config.path === "string" && config.path !== "" ? resolve(this.dataDir, config.path) : undefined;
    const opening: Promise<LiveStore> = opener(
      { ...config, ...(path === undefined ? {} : { path }), type },
      { dataDir: this.dataDir },
    );
    return bounded(opening, this.timeouts.openMs, `opening ${kind} store ${name}`, (late) => {
      this.logger.warn({ kind, store: name }, "store opened after its open timed out; closing it");
      void this.#closeQuietly(kind, name, late);
    });
  }

  /** A store's health probe, failed (not thrown) when it errs or takes too long. */
  async probe(kind: StoreKind, name: string, store: LiveStore): Promise<StoreHealth> {
    const started = performance.now();
    try {
      return await bounded(store.health(), this.timeouts.healthMs, `${kind} store ${name} health`);
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      return { ok: false, latencyMs: performance.now() - started, detail };
    }
  }

  /** Opens and registers; on failure remembers why and rethrows. */
  async open(kind: StoreKind, record: StoreRecord): Promise<LiveStore> {
    try {
      const store = await this.openDetached(kind, record.type, record.config, record.name);
      this.set(kind, record.name, store);
      return store;
    } catch (err) {
      this.#failures[kind].set(record.name, err instanceof Error ? err.message : String(err));
      throw err;
    }
  }

  /** Registers an already open store, closing any store it replaces. */
  set(kind: StoreKind, name: string, store: LiveStore): void {
    const previous = this.#open[kind].get(name);
    this.#open[kind].set(name, store);
    this.#failures[kind].delete(name);
    if (previous !== undefined && previous !== store) void this.#closeQuietly(kind, name, previous);
  }

  async close(kind: StoreKind, name: string): Promise<void> {
    const store = this.#open[kind].get(name);
    this.#open[kind].delete(name);
    this.#failures[kind].delete(name);
    if (store !== undefined) await this.#closeQuietly(kind, name, store);
  }

  async closeAll(): Promise<void> {
    const all = (["metadata", "block"] as const).flatMap((kind) =>
      [...this.#open[kind].entries()].map(([name, store]) => this.#closeQuietly(kind, name, store)),
    );
    this.#open.metadata.clear();
    this.#open.block.clear();
    await Promise.all(all);
  }

  async health(kind: StoreKind, name: string): Promise<StoreHealth> {
    const store = this.#open[kind].get(name);
    if (store === undefined) {
      return { ok: false, latencyMs: 0, detail: this.#failures[kind].get(name) ?? "store is not open" };
    }
    return this.probe(kind, name, store);
  }

  names(kind: StoreKind): string[] {
    return [...this.#open[kind].keys()];
  }

  async #closeQuietly(kind: StoreKind, name: string, store: LiveStore): Promise<void> {
    try {
      await store.close();
    } catch (err) {
      this.logger.warn({ err, kind, store: name }, "closing store failed");
    }
  }
}

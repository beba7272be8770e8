/**
 * Adapters in the Runtime: rows in the control plane plus running instances. `enabled` in the row
 * is the desired state and what the next start restores; start/stop write it, so a stop clicked
 * in the console survives a restart. Rows are cached so `status()` can answer synchronously.
 */
import type { AdapterCreateInput, AdapterUpdateInput } from "@dittofs/shared";
import { notFound } from "../control/errors.ts";
import type { AdapterStatus } from "../control/runtime-control.ts";
import type { AdapterRecord } from "../control/store/types.ts";
import type { AdapterManager } from "./adapters.ts";
import type { RuntimeStore } from "./runtime-store.ts";

export class RuntimeAdapters {
  readonly #rows = new Map<string, AdapterRecord>();

  constructor(
    private readonly store: RuntimeStore,
    private readonly manager: AdapterManager,
  ) {}

  records(): AdapterRecord[] {
    return [...this.#rows.values()].sort((a, b) => a.type.localeCompare(b.type));
  }

  status(type: string): AdapterStatus {
    const row = this.#rows.get(type);
    if (row === undefined) throw notFound("adapter", type, "type");
    return this.manager.status(row);
  }

  statuses(): AdapterStatus[] {
    return this.records().map((row) => this.manager.status(row));
  }

  /** A failure is logged and kept in that adapter's status by the manager; the rest still start. */
  async startEnabled(): Promise<void> {
    for (const row of await this.store.listAdapters()) {
      this.#rows.set(row.type, row);
      if (!row.enabled) continue;
      await this.manager.start(row).catch(() => undefined);
    }
  }

  async create(input: AdapterCreateInput): Promise<AdapterRecord> {
    const row = await this.store.createAdapter(input);
    if (row.enabled) {
      try {
        await this.manager.start(row);
      } catch (err) {
        await this.store.deleteAdapter(row.type);
        this.manager.forget(row.type);
        throw err;
      }
    }
    this.#rows.set(row.type, row);
    return row;
  }

  async update(input: AdapterUpdateInput): Promise<AdapterRecord> {
    const { type, ...patch } = input;
    const before = await this.store.getAdapter(type);
    const row = await this.store.updateAdapter(type, patch);
    this.#rows.set(type, row);
    const changed =
      row.port !== before.port || JSON.stringify(row.settings) !== JSON.stringify(before.settings);
    const running = this.manager.isRunning(type);
    if (!row.enabled) {
      await this.manager.stop(type);
    } else if (!running || changed) {
      try {
        await this.manager.stop(type);
        await this.manager.start(row);
      } catch (err) {
        const restored = await this.store.updateAdapter(type, {
          port: before.port,
          enabled: before.enabled,
          settings: before.settings,
        });
        this.#rows.set(type, restored);
        if (running) await this.manager.start(restored).catch(() => undefined);
        throw err;
      }
    }
    return row;
  }

  async delete(type: string): Promise<void> {
    await this.store.getAdapter(type);
    await this.manager.stop(type);
    await this.store.deleteAdapter(type);
    this.#rows.delete(type);
    this.manager.forget(type);
  }

  async start(type: string): Promise<AdapterStatus> {
    let row = await this.store.getAdapter(type);
    await this.manager.start(row);
    if (!row.enabled) {
      try {
        row = await this.store.updateAdapter(type, { enabled: true });
      } catch (err) {
        await this.manager.stop(type);
        throw err;
      }
    }
    this.#rows.set(type, row);
    return this.manager.status(row);
  }

  async stop(type: string): Promise<AdapterStatus> {
    let row = await this.store.getAdapter(type);
    if (row.enabled) row = await this.store.updateAdapter(type, { enabled: false });
    this.#rows.set(type, row);
    await this.manager.stop(type);
    return this.manager.status(row);
  }
}

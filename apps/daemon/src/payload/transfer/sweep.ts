/**
 * Cross-daemon block GC of shared (scale-out) mode: mark-and-sweep over the metadata store, with a
 * grace period. In shared mode truncate and delete only change the block map; nothing deletes a
 * key directly, because another daemon may be reading it or about to commit it. The sweeper:
 *
 * 1. takes the store-wide sweep lock (one sweeper among all daemons; the others skip the round);
 * 2. drops block-map rows of payloads no inode names any more (deleted files);
 * 3. lists the bucket and deletes a versioned key only when its payload is known to this metadata
 *    store (keys of other deployments sharing a bucket are never touched), the block map does not
 *    reference it, and it is older than the grace period — so a block uploaded but not yet
 *    committed is safe (its uploader redoes an upload that outlives half the grace period);
 * 4. forgets payload rows of deleted files that have nothing left in the store.
 *
 * Unversioned keys are deleted only when adopted at upgrade (shared/legacy.ts), no longer named by
 * the map (superseded by a write or truncate, or the file deleted), and first seen so by a pass at
 * least the grace period ago (they carry no timestamp, so the catalog records when). Unversioned
 * keys never adopted (non-shared shares, other deployments) are never touched.
 *
 * Key ages come from the uploader's clock (versions.ts): clocks must agree to well within the
 * grace period (default 10 minutes).
 */
import type pino from "pino";
import type { LegacyCatalog, SweepCatalog } from "../shared/block-map.ts";
import { legacyRefOf, referenceKeyOf } from "../shared/block-map.ts";
import { type LegacyKey, parseLegacyKey } from "../shared/legacy.ts";
import { parseVersionedKey, type VersionedKey, versionTimeMs } from "../shared/versions.ts";
import type { BlockStore } from "../types.ts";

export const SWEEP_INTERVAL_MS_DEFAULT = 60_000;
/** Keys classified per metadata query. */
export const SWEEP_BATCH_KEYS = 1000;
/** Deleted files still holding young keys remembered per pass; past it, forgetting waits. */
const KEEP_PAYLOADS_MAX = 100_000;

export interface SweepResult {
  listed: number;
  deleted: number;
  droppedPayloads: number;
  forgottenPayloads: number;
}

export interface BlockSweeperOptions {
  store: BlockStore;
  catalog: SweepCatalog & Partial<LegacyCatalog>;
  gcGraceMs: number;
  intervalMs?: number;
  logger: pino.Logger;
}

export class BlockSweeper {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<SweepResult | null> | null = null;
  private stopped = false;

  constructor(private readonly opts: BlockSweeperOptions) {}

  start(): void {
    const interval = this.opts.intervalMs ?? SWEEP_INTERVAL_MS_DEFAULT;
    this.timer = setInterval(() => {
      if (this.running !== null) return;
      this.sweepOnce().catch((err: unknown) => {
        this.opts.logger.warn({ err: (err as Error).message }, "block sweep failed; next round retries");
      });
    }, interval);
    this.timer.unref();
  }

  /** One pass; null when another sweeper (this or another daemon) holds the lock. */
  sweepOnce(): Promise<SweepResult | null> {
    if (this.running !== null) return this.running;
    this.running = this.pass().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async pass(): Promise<SweepResult | null> {
    const { catalog, store, gcGraceMs } = this.opts;
    const startMs = Date.now();
    const result: SweepResult = { listed: 0, deleted: 0, droppedPayloads: 0, forgottenPayloads: 0 };
    const keep = new Set<string>();
    const ran = await catalog.withSweepLock(async () => {
      result.droppedPayloads = await catalog.dropDeadPayloads();
      let batch: VersionedKey[] = [];
      let legacy: LegacyKey[] = [];
      for await (const key of store.list("")) {
        if (this.stopped) return;
        const k = parseVersionedKey(key);
        if (k === null) {
          const l = catalog.legacyGarbage === undefined ? null : parseLegacyKey(key);
          if (l === null) continue;
          legacy.push(l);
          if (legacy.length < SWEEP_BATCH_KEYS) continue;
          result.deleted += await this.sweepLegacy(legacy, startMs, keep);
          legacy = [];
          continue;
        }
        result.listed++;
        batch.push(k);
        if (batch.length < SWEEP_BATCH_KEYS) continue;
        result.deleted += await this.sweepBatch(batch, startMs, keep);
        batch = [];
      }
      result.deleted += await this.sweepBatch(batch, startMs, keep);
      result.deleted += await this.sweepLegacy(legacy, startMs, keep);
      if (keep.size <= KEEP_PAYLOADS_MAX && !this.stopped) {
        result.forgottenPayloads = await catalog.forgetDeadPayloads(startMs - gcGraceMs, [...keep]);
      }
    });
    if (!ran) return null;
    if (result.deleted > 0 || result.droppedPayloads > 0) this.opts.logger.info(result, "block sweep");
    return result;
  }

  private async sweepBatch(batch: VersionedKey[], startMs: number, keep: Set<string>): Promise<number> {
    if (batch.length === 0) return 0;
    const { known, referenced } = await this.opts.catalog.classify(batch);
    let deleted = 0;
    for (const k of batch) {
      if (!known.has(k.payloadId) || referenced.has(referenceKeyOf(k))) continue;
      if (startMs - versionTimeMs(k.version) < this.opts.gcGraceMs) {
        keep.add(k.payloadId);
        continue;
      }
      if (this.stopped) break;
      await this.opts.store.delete(k.key);
      deleted++;
    }
    return deleted;
  }

  private async sweepLegacy(keys: LegacyKey[], startMs: number, keep: Set<string>): Promise<number> {
    const catalog = this.opts.catalog;
    if (keys.length === 0 || catalog.legacyGarbage === undefined) return 0;
    const { deletable, pending } = await catalog.legacyGarbage(keys, startMs - this.opts.gcGraceMs);
    for (const id of pending) keep.add(id);
    const deleted: LegacyKey[] = [];
    for (const k of keys) {
      if (!deletable.has(legacyRefOf(k)) || this.stopped) continue;
      await this.opts.store.delete(k.key);
      deleted.push(k);
    }
    await catalog.forgetLegacy?.(deleted);
    return deleted.length;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => {});
  }
}

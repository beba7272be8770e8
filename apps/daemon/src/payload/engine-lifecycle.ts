/**
 * The background side of a share's payload engine (share-payload.ts): whether it is closed, the
 * jobs a close waits for, and the timers that start work on their own: the idle scan (a dirty block
 * untouched for a while is uploaded even if partial), uploads after COMMITs (debounced) and WAL
 * reclaim (debounced, wal/retention.ts). A stop clears every timer before it waits for the jobs, so
 * nothing new starts behind it and no stale put lands after the stop.
 */
import type pino from "pino";
import type { BlockEntry } from "./cache/block-entry.ts";
import type { BlockCache } from "./cache/cache.ts";
import type { PayloadState } from "./payload-state.ts";

/** A dirty block untouched this long is uploaded even if partial. */
export const IDLE_UPLOAD_MS_DEFAULT = 1_000;
const IDLE_SCAN_MS = 250;
const RECLAIM_DELAY_MS = 50;
/** Partial-block uploads after COMMITs are batched over this window. */
export const COMMIT_UPLOAD_DELAY_MS = 50;

/** What the timers act on: the engine's dirty entries, its upload scheduling and WAL reclaim. */
export interface LifecycleHooks {
  readonly dirty: Set<BlockEntry>;
  readonly cache: BlockCache;
  readonly logger: pino.Logger;
  scheduleUpload(e: BlockEntry): void;
  /** Starts the uploads waiting for a pause in the requests now (transfer/pacer.ts). */
  urge(): void;
  /** One WAL reclaim round (wal/retention.ts reclaimWal). */
  reclaim(): Promise<void>;
  /** The WAL holds more than deferred work may let it grow (transfer/pacer.ts). */
  walFull(): boolean;
}

export class EngineLifecycle {
  closed = false;
  private readonly jobs = new Set<Promise<void>>();
  private idleTimer: NodeJS.Timeout | null = null;
  private commitTimer: NodeJS.Timeout | null = null;
  private readonly committed = new Set<PayloadState>();
  private reclaimTimer: NodeJS.Timeout | null = null;
  private readonly unsubscribePressure: () => void;

  constructor(
    private readonly hooks: LifecycleHooks,
    private readonly idleUploadMs = IDLE_UPLOAD_MS_DEFAULT,
  ) {
    // Cache pressure: every dirty block goes to the store so its memory can be evicted, paced or not.
    this.unsubscribePressure = hooks.cache.onPressure(() => {
      for (const e of hooks.dirty) hooks.scheduleUpload(e);
      hooks.urge();
    });
  }

  /** After WAL replay: the idle scan starts, and a reclaim round for what replay left clean. */
  start(): void {
    this.idleTimer = setInterval(() => this.idleScan(), IDLE_SCAN_MS);
    this.idleTimer.unref();
    this.reclaimSoon();
  }

  /** Background work of the share; a stop waits for it. */
  track(job: Promise<void>): void {
    this.jobs.add(job);
    void job.finally(() => this.jobs.delete(job));
  }

  /** Waits for the background work running now (not for work started later). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.jobs]);
  }

  /** Reclaims WAL records behind a block-store flush, debounced (wal/retention.ts). */
  reclaimSoon(): void {
    if (this.reclaimTimer !== null || this.closed) return;
    this.reclaimTimer = setTimeout(() => {
      this.reclaimTimer = null;
      if (this.closed) return;
      this.hooks.reclaim().catch((err: unknown) => {
        this.hooks.logger.warn({ err: (err as Error).message }, "wal reclaim failed");
      });
    }, RECLAIM_DELAY_MS);
    this.reclaimTimer.unref();
  }

  /**
   * Partial blocks go to the store after a COMMIT (docs/architecture.md "Write path" step 2),
   * debounced: a client that commits after every small write (fsync-heavy apps) would otherwise
   * re-upload the growing tail block and contend with the WAL flush on each commit. The WAL
   * already made the data durable.
   */
  uploadAfterCommit(p: PayloadState): void {
    this.committed.add(p);
    if (this.commitTimer !== null) return;
    this.commitTimer = setTimeout(() => {
      this.commitTimer = null;
      const committed = [...this.committed];
      this.committed.clear();
      for (const q of committed) for (const e of q.blocks.values()) this.hooks.scheduleUpload(e);
    }, COMMIT_UPLOAD_DELAY_MS);
    this.commitTimer.unref();
  }

  /** Closed from now on: no timer fires again and cache pressure no longer schedules uploads. */
  stop(): void {
    this.closed = true;
    if (this.idleTimer !== null) clearInterval(this.idleTimer);
    if (this.reclaimTimer !== null) clearTimeout(this.reclaimTimer);
    if (this.commitTimer !== null) clearTimeout(this.commitTimer);
    this.idleTimer = this.reclaimTimer = this.commitTimer = null;
    this.committed.clear();
    this.unsubscribePressure();
  }

  /** Waits until no job runs, those started by jobs while it waits included. */
  async drain(): Promise<void> {
    while (this.jobs.size > 0) await Promise.allSettled([...this.jobs]);
  }

  private idleScan(): void {
    // WAL pressure: what paced work keeps in it (uploads, the reclaim round) goes now.
    if (this.hooks.walFull()) {
      this.reclaimSoon();
      this.hooks.urge();
    }
    const now = Date.now();
    for (const e of this.hooks.dirty) {
      if (now - e.lastWriteMs >= this.idleUploadMs) this.hooks.scheduleUpload(e);
    }
  }
}

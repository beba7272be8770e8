/**
 * Removing a file (docs/architecture.md "Removing a file"): when its last link and last open
 * reference go, the metadata service leaves an orphan (nlink 0, its payload id kept). Here the
 * payload is deleted and made durable first, and only then the inode record goes, so a crash
 * between the two leaves an orphan that still names the payload, never blocks nothing names.
 * The start-up sweep finishes what such a crash left (sweepOrphans).
 */
import type { Logger } from "pino";
import type { MetadataService, Orphan } from "../metadata/types.ts";
import type { PayloadService } from "../payload/types.ts";

/** Orphans being reaped before a remove waits for one to settle (a mass removal stays bounded). */
export const REAP_PENDING_MAX = 1024;
/**
 * How long a deleted payload waits for others before the batch makes the deletes durable and
 * drops the inode records: one WAL sync and one metadata commit for all of them instead of one
 * each per removed file (a QD1 client removing files one by one; off the reply path).
 */
export const REAP_BATCH_DELAY_MS = 10;
/** Orphans finished by one batch at most. */
export const REAP_BATCH_MAX = 256;

type Deps = {
  metadata: Pick<MetadataService, "reap" | "orphans">;
  payload: Pick<PayloadService, "delete" | "commit" | "validates">;
};

/**
 * Deletes the orphan's payload — the engine drops its cached blocks at once and logs a WAL record
 * that block GC runs from; commit makes that durable (shared mode: waits for the block map) —
 * then its inode record.
 */
async function reapOne(d: Deps, share: string, orphan: Orphan): Promise<void> {
  await d.payload.delete(share, orphan.payloadId);
  await d.payload.commit(share, orphan.payloadId);
  await d.metadata.reap(orphan.handle);
}

/** Orphans whose payload delete returned, waiting to be finished together. */
interface ReapBatch {
  size: number;
  started: Promise<void>;
  start: () => void;
  timer: NodeJS.Timeout;
}

export class Orphans {
  private readonly pending = new Set<Promise<void>>();
  private batch: ReapBatch | null = null;
  /** settled() callers waiting: orphans skip the batch delay meanwhile. */
  private draining = 0;

  constructor(
    private readonly d: Deps,
    private readonly logger?: Pick<Logger, "warn">,
    private readonly batchDelayMs = REAP_BATCH_DELAY_MS,
  ) {}

  /**
   * Starts reaping `orphan` without holding up the reply: the name is gone and the orphan is not
   * visible by handle any more (metadata/core.ts load). The payload delete starts at once (the
   * cache lets go of its blocks); the commit and the inode record's removal run with the other
   * orphans of a batch (REAP_BATCH_DELAY_MS), in the same order per orphan. Past
   * REAP_PENDING_MAX unsettled ones the caller waits for one to settle. A failure leaves the
   * orphan for the next start's sweep.
   */
  async reap(share: string, orphan: Orphan | null): Promise<void> {
    if (orphan === null) return;
    while (this.pending.size >= REAP_PENDING_MAX) await Promise.race(this.pending);
    const { payload, metadata } = this.d;
    const job = payload
      .delete(share, orphan.payloadId)
      .then(() => this.turn())
      .then(() => payload.commit(share, orphan.payloadId))
      .then(() => metadata.reap(orphan.handle))
      .catch((err: unknown) =>
        this.logger?.warn({ err, share, payloadId: orphan.payloadId }, "orphan not reaped"),
      )
      .finally(() => this.pending.delete(job));
    this.pending.add(job);
  }

  /** Resolves when the batch this orphan joins starts (its members' syncs and commits coincide). */
  private turn(): Promise<void> {
    if (this.draining > 0) return Promise.resolve();
    let b = this.batch;
    if (b === null) {
      let start!: () => void;
      const started = new Promise<void>((resolve) => {
        start = resolve;
      });
      b = { size: 0, started, start, timer: setTimeout(() => this.startBatch(), this.batchDelayMs) };
      this.batch = b;
    }
    const { started } = b;
    if (++b.size >= REAP_BATCH_MAX) this.startBatch();
    return started;
  }

  private startBatch(): void {
    const b = this.batch;
    if (b === null) return;
    this.batch = null;
    clearTimeout(b.timer);
    b.start();
  }

  /** Resolves once every reap started so far has settled (no batch waits for its delay meanwhile). */
  async settled(): Promise<void> {
    this.draining++;
    try {
      this.startBatch();
      while (this.pending.size > 0) await Promise.all(this.pending);
    } finally {
      this.draining--;
    }
  }
}

/**
 * At start, after the share is registered with both services: reaps the orphans a crash (or a
 * stop with files open) left, payload first, on every metadata store. Returns how many there
 * were. Not in scale-out shared mode (PostgreSQL with S3, payload `validates`): other daemons
 * serve the store, and a file one of them holds open after its last unlink looks the same.
 */
export async function sweepOrphans(d: Deps, share: string): Promise<number> {
  if (d.payload.validates?.(share) === true) return 0;
  const orphans = await d.metadata.orphans(share);
  for (const orphan of orphans) await reapOne(d, share, orphan);
  return orphans.length;
}

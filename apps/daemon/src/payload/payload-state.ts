/** Per-payload bookkeeping inside one share's engine. */
import type { BlockEntry } from "./cache/block-entry.ts";

export class PayloadState {
  readonly idBytes: Buffer;
  readonly blocks = new Map<number, BlockEntry>();
  /** End of the previous write (-1: none): a write starting here is sequential. */
  lastWriteEnd = -1;
  /** End of the previous read: a read starting here triggers prefetch. */
  lastReadEnd = -1;
  /** Blocks with index >= this must go from the block store (truncate/delete), or null. */
  gcBoundary: number | null = null;
  /** WAL sequence of the oldest truncate/delete whose GC has not finished. */
  gcSeq = Number.POSITIVE_INFINITY;
  gcRunning: Promise<void> | null = null;
  /** The boundary the running GC pass is deleting from (null when none runs). */
  gcRunningBoundary: number | null = null;
  uploadsInFlight = 0;
  /**
   * Created in this run (empty in the store when this state began): the store holds only the
   * blocks in putBlocks, so any other block's base is known empty (no download, write-once).
   * Evicting a block keeps it: an evicted block was put (it is in putBlocks) or never written.
   */
  fresh = false;
  /**
   * Blocks whose upload started since this state began. Of a `fresh` payload these are all the
   * store may hold: GC deletes them by key, with no list of the store.
   */
  readonly putBlocks = new Set<number>();
  /** Failed store calls of this payload's uploads, and puts that succeeded (storeNow counts them). */
  putFailures = 0;
  putsDone = 0;
  lastPutError: unknown = null;
  /** Reads and writes in progress that hold this state across an await. */
  pins = 0;
  private uploadsIdleWaiters: (() => void)[] = [];
  private changeWaiters: (() => void)[] = [];

  constructor(readonly id: string) {
    this.idBytes = Buffer.from(id, "latin1");
  }

  /**
   * Blocks at or past this index are stale in the block store until GC finishes: reads must take
   * them as absent, never download them.
   */
  get staleFrom(): number {
    return Math.min(
      this.gcBoundary ?? Number.POSITIVE_INFINITY,
      this.gcRunningBoundary ?? Number.POSITIVE_INFINITY,
    );
  }

  get gcPending(): boolean {
    return this.gcBoundary !== null || this.gcRunning !== null;
  }

  /** Whether block `index` is known to be empty in the store (a new file's block not put since). */
  knownEmpty(index: number): boolean {
    return this.fresh && !this.putBlocks.has(index);
  }

  uploadStarted(index: number): void {
    this.uploadsInFlight++;
    this.putBlocks.add(index);
  }

  uploadSettled(): void {
    this.uploadsInFlight--;
    this.changed();
    if (this.uploadsInFlight === 0 && this.uploadsIdleWaiters.length > 0) {
      const w = this.uploadsIdleWaiters;
      this.uploadsIdleWaiters = [];
      for (const fn of w) fn();
    }
  }

  /** A store call of an upload failed (it is retried): wakes nextChange() waiters. */
  putFailed(err: unknown): void {
    this.putFailures++;
    this.lastPutError = err;
    this.changed();
  }

  /** An upload settled or GC ended: wakes nextChange() waiters. */
  changed(): void {
    const w = this.changeWaiters;
    this.changeWaiters = [];
    for (const fn of w) fn();
  }

  /** Resolves at the next changed(), or after `ms` at the latest (a safety net, not a poll). */
  nextChange(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.changeWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Resolves when no upload of this payload is in flight. */
  uploadsIdle(): Promise<void> {
    if (this.uploadsInFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.uploadsIdleWaiters.push(resolve));
  }
}

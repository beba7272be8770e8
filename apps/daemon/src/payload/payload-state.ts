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
  /** Reads and writes in progress that hold this state across an await. */
  pins = 0;
  private uploadsIdleWaiters: (() => void)[] = [];

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

  uploadStarted(): void {
    this.uploadsInFlight++;
  }

  uploadSettled(): void {
    this.uploadsInFlight--;
    if (this.uploadsInFlight === 0 && this.uploadsIdleWaiters.length > 0) {
      const w = this.uploadsIdleWaiters;
      this.uploadsIdleWaiters = [];
      for (const fn of w) fn();
    }
  }

  /** Resolves when no upload of this payload is in flight. */
  uploadsIdle(): Promise<void> {
    if (this.uploadsInFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.uploadsIdleWaiters.push(resolve));
  }
}

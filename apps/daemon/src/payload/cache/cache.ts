/**
 * The block cache's accounting, shared by every share: bytes by state (clean = loaded bases,
 * dirty = unfrozen slices, uploading = frozen slices), an LRU over entries with a base, and
 * backpressure. Eviction drops only bases (clean data, re-downloadable); dirty and uploading
 * slices are never evicted. A writer that would exceed the capacity first evicts clean data, then
 * asks every owner to upload dirty blocks and waits for bytes to drain: it never gets EIO.
 */
import type { CacheStats } from "../../domain/stats.ts";
import type { BlockEntry } from "./block-entry.ts";

/** What an entry with a tiny or empty base is counted as. */
export const ENTRY_OVERHEAD_BYTES = 512;

type PressureListener = () => void;

export class BlockCache {
  private cleanBytes = 0;
  private dirtyBytes = 0;
  private uploadingBytes = 0;
  hits = 0;
  misses = 0;
  evictions = 0;
  /** Least recently used first. */
  private lruHead: BlockEntry | null = null;
  private lruTail: BlockEntry | null = null;
  private readonly pressureListeners = new Set<PressureListener>();
  private drainWaiters: (() => void)[] = [];

  constructor(readonly capacityBytes: number) {}

  get usedBytes(): number {
    return this.cleanBytes + this.dirtyBytes + this.uploadingBytes;
  }

  onPressure(fn: PressureListener): () => void {
    this.pressureListeners.add(fn);
    return () => this.pressureListeners.delete(fn);
  }

  /**
   * Room for `bytes` more dirty data: undefined when there is room now (the hot path allocates
   * nothing), else a promise that resolves once there is.
   */
  reserve(bytes: number): Promise<void> | undefined {
    if (this.makeRoom(bytes)) return undefined;
    return this.waitForRoom(bytes);
  }

  private async waitForRoom(bytes: number): Promise<void> {
    while (!this.makeRoom(bytes)) {
      for (const fn of this.pressureListeners) fn();
      await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
    }
  }

  /** Evicts clean data until `bytes` fit; true if they fit (or nothing dirty is left to wait for). */
  private makeRoom(bytes: number): boolean {
    while (this.usedBytes + bytes > this.capacityBytes) {
      if (this.evictOne()) continue;
      // Only dirty/uploading data left. With none at all, admit the write over capacity rather
      // than wait forever (a single write larger than the whole cache).
      return this.dirtyBytes + this.uploadingBytes === 0;
    }
    return true;
  }

  private evictOne(): boolean {
    const e = this.lruHead;
    if (e === null) return false;
    this.lruRemove(e);
    e.setBase(null);
    this.evictions++;
    this.recount(e);
    e.owner.released(e);
    return true;
  }

  /** Re-reads an entry's byte counts after any change to its base or slices. */
  recount(e: BlockEntry): void {
    // A loaded-but-empty base (no such block) still costs an entry: count it so it can be evicted.
    const clean = e.hasBase ? Math.max(e.baseLength, ENTRY_OVERHEAD_BYTES) : 0;
    // A pending truncate rewrite holds no slice bytes but is dirty all the same.
    const rewrite = e.needsRewrite ? ENTRY_OVERHEAD_BYTES : 0;
    const dirty = e.sliceBytes(false) + (e.uploading ? 0 : rewrite);
    const uploading = e.sliceBytes(true) + (e.uploading ? rewrite : 0);
    const c = e.counted;
    const drained = dirty + uploading < c.dirty + c.uploading || clean < c.clean;
    this.cleanBytes += clean - c.clean;
    this.dirtyBytes += dirty - c.dirty;
    this.uploadingBytes += uploading - c.uploading;
    c.clean = clean;
    c.dirty = dirty;
    c.uploading = uploading;
    if (!e.hasBase || e.dropped) this.lruRemove(e);
    else this.touch(e);
    if (drained && this.drainWaiters.length > 0) this.wakeWaiters();
  }

  /** An entry leaves the cache (truncate, delete, share removed). */
  forget(e: BlockEntry): void {
    e.dropped = true;
    e.setBase(null);
    if (!e.uploading) e.clearSlices();
    this.lruRemove(e);
    // Frozen slices stay counted as uploading until the upload in flight settles.
    this.recount(e);
  }

  private wakeWaiters(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
  }

  /** Marks an entry most recently used. */
  touch(e: BlockEntry): void {
    if (!e.hasBase) return;
    if (e.inLru) {
      if (this.lruTail === e) return;
      this.lruRemove(e);
    }
    e.lruPrev = this.lruTail;
    e.lruNext = null;
    if (this.lruTail !== null) this.lruTail.lruNext = e;
    else this.lruHead = e;
    this.lruTail = e;
    e.inLru = true;
  }

  private lruRemove(e: BlockEntry): void {
    if (!e.inLru) return;
    if (e.lruPrev !== null) e.lruPrev.lruNext = e.lruNext;
    else this.lruHead = e.lruNext;
    if (e.lruNext !== null) e.lruNext.lruPrev = e.lruPrev;
    else this.lruTail = e.lruPrev;
    e.lruPrev = null;
    e.lruNext = null;
    e.inLru = false;
  }

  /** Evicts clean data beyond capacity (after a download added bases). */
  trim(): void {
    while (this.usedBytes > this.capacityBytes && this.lruHead !== null) {
      // Never evict the entry just loaded (the tail) while a reader is about to use it.
      if (this.lruHead === this.lruTail) break;
      this.evictOne();
    }
  }

  counters(): CacheStats {
    return {
      capacityBytes: this.capacityBytes,
      cleanBytes: this.cleanBytes,
      dirtyBytes: this.dirtyBytes,
      uploadingBytes: this.uploadingBytes,
      hits: this.hits,
      misses: this.misses,
      evictions: this.evictions,
    };
  }
}

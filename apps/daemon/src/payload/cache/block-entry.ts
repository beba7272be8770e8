/**
 * One 4 MiB block of one payload in the cache: an optional clean `base` (the block as the block
 * store holds it) under a stack of dirty slices, oldest first. A slice is a run of written bytes;
 * slices never cross a block boundary, so a block uploads without splitting slices. Reads merge
 * newest-wins over the base; bytes covered by neither read as zeros (holes, sparse tails).
 *
 * Written slice bytes are never modified in place (overwrites add a slice, extension only appends
 * past `len` up to `cap`), so a read may return a subarray of a slice or base without copying.
 * This file is pure data logic; the engine (share-payload.ts) owns I/O and accounting.
 */

import { release, retain } from "../../domain/buffer-pool.ts";
import { BLOCK_SIZE_BYTES } from "../types.ts";
import type { EntryStage } from "./entry-stage.ts";
import {
  copyOverlap,
  growSlice,
  releaseSlices,
  type Slice,
  tiledViews,
  tilesFromZero,
  unionRuns,
} from "./slices.ts";
import { StoredBase } from "./stored-base.ts";

/**
 * Beyond this many slices a block's unfrozen slices are flattened: into disjoint runs, and when
 * those are still too many and the base is loaded, into one run filled from the base.
 */
export const SLICES_PER_BLOCK_MAX = 32;
/** Small slices are allocated in multiples of this (keeps random 4 KiB writes from growing twice). */
const SLICE_ALLOC_GRANULE_BYTES = 4096;

const EMPTY = Buffer.alloc(0);

export class BlockEntry {
  /** The clean block-store content under the slices (stored-base.ts). */
  private readonly stored = new StoredBase();
  slices: Slice[] = [];
  /** The store copy is stale because of a truncate: it must be rewritten even with no slices. */
  needsRewrite = false;
  uploading = false;
  uploadQueued = false;
  /** Dropped by truncate/delete: an upload in flight must not resurrect it. */
  dropped = false;
  loading: Promise<void> | null = null;
  /**
   * Bumped whenever an upload of this entry lands in the store: a download started before that
   * read an older copy and must not become the base (the slices it lacked are gone by then).
   */
  storeGen = 0;
  /** Oldest WAL sequence whose bytes are in unfrozen slices / in the upload in flight. */
  dirtyMinSeq = Number.POSITIVE_INFINITY;
  frozenMinSeq = Number.POSITIVE_INFINITY;
  /**
   * Unfrozen slices / the upload in flight hold writes with no WAL record (write-once.ts): only a
   * put makes them durable, so a COMMIT of the payload waits for one.
   */
  unjournaled = false;
  private frozenUnjournaled = false;
  /** Write-behind (transfer/write-behind.ts): the block's staging file while its writes go there. */
  stage: EntryStage | null = null;
  /**
   * A staging file a CLOSE sealed (transfer/seal.ts sealForClose), no longer written: it
   * stays until the upload publishes it or has stored the block's newer content.
   */
  sealed: EntryStage | null = null;
  /** Bumped by truncate: an upload composed before it must not clear needsRewrite. */
  truncateGen = 0;
  /** truncateGen when the upload in flight composed its data, and the lowest truncate since. */
  private composedGen = 0;
  private limSinceCompose = BLOCK_SIZE_BYTES;
  /** Slice count that triggers the next flatten (raised while the base is missing: amortized). */
  private flattenAt = SLICES_PER_BLOCK_MAX;
  lastWriteMs = 0;
  /** Bytes as last reported to the cache (cache.ts keeps the totals). */
  counted = { clean: 0, dirty: 0, uploading: 0 };
  /** LRU links (cache.ts). */
  lruPrev: BlockEntry | null = null;
  lruNext: BlockEntry | null = null;
  inLru = false;

  constructor(
    readonly payloadId: string,
    readonly index: number,
    readonly owner: BlockOwner,
  ) {}

  static readonly EMPTY = EMPTY;

  /** The block-store content was loaded (EMPTY: the store has none) or dropped (null). */
  setBase(b: Buffer | null): void {
    this.stored.set(b);
  }

  /** The base is loaded (possibly EMPTY). */
  get hasBase(): boolean {
    return this.stored.loaded;
  }

  /** Bytes the loaded base holds (0 when not loaded). */
  get baseLength(): number {
    return this.stored.length;
  }

  /** Written bytes only the block store can make durable are here or in the upload in flight. */
  get holdsUnjournaled(): boolean {
    return this.unjournaled || this.frozenUnjournaled;
  }

  /** The written runs (all slices, merged) are now in the WAL up to record `seq`. */
  journaled(seq: number): void {
    if (this.unjournaled && seq < this.dirtyMinSeq) this.dirtyMinSeq = seq;
    if (this.frozenUnjournaled && seq < this.frozenMinSeq) this.frozenMinSeq = seq;
    this.unjournaled = false;
    this.frozenUnjournaled = false;
  }

  /** Sorted [start, end) runs the slices cover (frozen ones included). */
  writtenRuns(): [number, number][] {
    return unionRuns(this.slices);
  }

  get isDirty(): boolean {
    return this.slices.length > 0 || this.needsRewrite;
  }

  /** Nothing worth keeping: the engine may forget the entry. */
  get isIdle(): boolean {
    return !this.hasBase && !this.isDirty && !this.uploading && this.loading === null;
  }

  get baseEnd(): number {
    return this.stored.end;
  }

  /**
   * Copies `data` into the block at `off`. `sequential` (the write continues the payload's previous
   * write) sizes a new slice to the end of the block so a streaming writer allocates once per block.
   * `adopt` (the caller hands the bytes over, slices.ts adoptable() said yes): a write that cannot extend the
   * last slice in place becomes a slice of its own without a copy.
   */
  write(
    off: number,
    data: Buffer,
    start: number,
    end_: number,
    seq: number,
    sequential: boolean,
    adopt = false,
  ): void {
    const n = end_ - start;
    const end = off + n;
    const last = this.slices.length > 0 ? this.slices[this.slices.length - 1]! : null;
    const extends_ = last !== null && !last.frozen && last.off + last.len === off;
    if (extends_ && (end - last.off <= last.cap || !adopt)) {
      if (end - last.off > last.cap) growSlice(last, end - last.off, sequential);
      data.copy(last.buf, last.len, start, end_);
      last.len += n;
    } else if (adopt) {
      const buf = data.subarray(start, end_);
      retain(buf); // a holder of the received frame until the slice goes (domain/buffer-pool.ts)
      this.slices.push({ off, len: n, cap: n, buf, frozen: false, gen: 0 });
      if (this.slices.length > this.flattenAt) this.flatten();
    } else {
      const room = BLOCK_SIZE_BYTES - off;
      const want = sequential ? room : Math.ceil(n / SLICE_ALLOC_GRANULE_BYTES) * SLICE_ALLOC_GRANULE_BYTES;
      const cap = Math.min(room, Math.max(want, n));
      const buf = Buffer.allocUnsafe(cap);
      data.copy(buf, 0, start, end_);
      this.slices.push({ off, len: n, cap, buf, frozen: false, gen: 0 });
      if (this.slices.length > this.flattenAt) this.flatten();
    }
    if (seq < this.dirtyMinSeq) this.dirtyMinSeq = seq;
  }

  /**
   * Merges the unfrozen slices into disjoint runs (newest wins), bounding per-read work. Many
   * disjoint small writes (a hostile or scattered writer) leave many runs: with the base loaded
   * they fold into one run whose gaps are filled from the block as it reads now; without it the
   * owner is asked for the base, and until it arrives flattening backs off geometrically so each
   * write stays amortized O(1).
   */
  flatten(): void {
    const firstLive = this.slices.findIndex((s) => !s.frozen);
    if (firstLive < 0) return;
    const live = this.slices.slice(firstLive);
    let runs = unionRuns(live);
    const room = SLICES_PER_BLOCK_MAX - firstLive;
    const fold = runs.length > room / 2 && this.hasBase;
    if (fold) runs = [[runs[0]![0], runs[runs.length - 1]![1]]];
    const merged: Slice[] = runs.map(([a, b]) => {
      const buf = Buffer.allocUnsafe(b - a);
      // Folded: base and frozen slices fill the gaps (readInto merges everything, newest wins).
      if (fold) this.readInto(buf, 0, a, b);
      else for (const s of live) copyOverlap(s, a, b, buf, 0);
      return { off: a, len: b - a, cap: b - a, buf, frozen: false, gen: 0 };
    });
    this.slices = this.slices.slice(0, firstLive).concat(merged);
    releaseSlices(live);
    if (this.slices.length > SLICES_PER_BLOCK_MAX) {
      this.flattenAt = 2 * this.slices.length;
      if (!this.hasBase) this.owner.needsBase(this);
    } else {
      this.flattenAt = SLICES_PER_BLOCK_MAX;
    }
  }

  /** The base just arrived: fold what flatten() could not while it was missing. */
  baseLoaded(): void {
    if (this.slices.length > SLICES_PER_BLOCK_MAX) this.flatten();
  }

  /** True when slices (all, or only frozen ones) cover [a, b) with no gap. */
  covers(a: number, b: number, frozenOnly = false): boolean {
    if (a >= b) return true;
    const runs = unionRuns(frozenOnly ? this.slices.filter((s) => s.frozen) : this.slices);
    for (const [ra, rb] of runs) if (ra <= a && rb >= b) return true;
    return false;
  }

  /** Whether reading [a, b) needs the base loaded first. */
  needsBaseFor(a: number, b: number): boolean {
    return !this.hasBase && !this.covers(a, b);
  }

  /**
   * Block bytes [a, b): a zero-copy subarray when one buffer holds them, else a merged copy.
   * The caller ensured the base is loaded or the slices cover the range.
   */
  read(a: number, b: number): Buffer {
    const parts: Buffer[] = [];
    this.readParts(a, b, parts);
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, b - a);
  }

  /**
   * Block bytes [a, b) appended to `out` in order, without a copy where buffers hold them: the
   * stored parts when no slice is over the range, or slices that tile it without overlapping
   * (a streaming writer's adopted WRITE frames); else one merged copy. Written bytes never change
   * (above), so the views stay valid. The caller ensured the base is loaded or the slices cover
   * the range.
   */
  readParts(a: number, b: number, out: Buffer[]): void {
    const n = this.slices.length;
    if (n === 0 && this.hasBase && b <= this.baseEnd) {
      this.stored.views(a, b, out);
      return;
    }
    if (n > 0) {
      const top = this.slices[n - 1]!;
      if (top.off <= a && top.off + top.len >= b) {
        out.push(top.buf.subarray(a - top.off, b - top.off));
        return;
      }
      if (tiledViews(this.slices, a, b, out)) return;
    }
    const merged = Buffer.allocUnsafe(b - a);
    this.readInto(merged, 0, a, b);
    out.push(merged);
  }

  /** Merges block bytes [a, b) into out at outOff. */
  readInto(out: Buffer, outOff: number, a: number, b: number, frozenOnly = false): void {
    this.stored.readInto(out, outOff, a, b);
    for (const s of this.slices) {
      if (frozenOnly && !s.frozen) break;
      copyOverlap(s, a, b, out, outOff);
    }
  }

  /** Drops every slice (truncated or deleted away, or an upload that found the block dropped). */
  clearSlices(): void {
    releaseSlices(this.slices);
    this.slices = [];
  }

  /** Marks the current slices as the upload in flight. */
  freeze(): void {
    for (const s of this.slices) s.frozen = true;
    this.frozenMinSeq = this.dirtyMinSeq;
    this.dirtyMinSeq = Number.POSITIVE_INFINITY;
    this.frozenUnjournaled = this.unjournaled;
    this.unjournaled = false;
    this.uploading = true;
  }

  /** The block as it should be stored, from the base and the frozen slices. */
  compose(): Buffer {
    this.composedGen = this.truncateGen;
    this.limSinceCompose = BLOCK_SIZE_BYTES;
    // The streaming case: one full slice from offset 0 over everything the base holds is the
    // block already (frozen slices never change), so it is stored without a copy. (Only when the
    // slice fills its buffer: a view must not pin more memory than the cache counts.)
    const first = this.slices[0];
    const second = this.slices[1];
    const alone = second === undefined || !second.frozen;
    if (
      first?.frozen &&
      first.off === 0 &&
      first.len === first.buf.length &&
      first.len >= this.baseEnd &&
      alone
    ) {
      return first.buf.subarray(0, first.len);
    }
    let end = this.baseEnd;
    for (const s of this.slices) if (s.frozen && s.off + s.len > end) end = s.off + s.len;
    const out = Buffer.allocUnsafe(end);
    this.readInto(out, 0, 0, end, true);
    return out;
  }

  /**
   * The frozen slices as the block's stored content without a copy, when they tile [0, end) in
   * order and cover everything the base holds (adopted 1 MiB writes of a streaming writer); else
   * null (compose() merges them). Frozen slices never change, so the parts stay valid.
   */
  composeParts(): Buffer[] | null {
    const live = this.slices.findIndex((s) => !s.frozen);
    const tiles = tilesFromZero(live < 0 ? this.slices : this.slices.slice(0, live));
    if (tiles === null || tiles.parts.length === 0 || tiles.end < this.baseEnd) return null;
    this.composedGen = this.truncateGen;
    this.limSinceCompose = BLOCK_SIZE_BYTES;
    return tiles.parts;
  }

  /**
   * The upload of `stored` succeeded: it becomes the base; frozen slices are dropped. Truncates
   * that came after compose() are not in it: their limit masks the new base and the block stays
   * due for a rewrite.
   */
  finishUpload(stored: Buffer | readonly Buffer[]): void {
    // composeParts(): frozen slices never change, so the parts stay valid as the stored block.
    // The base holds them before the slices let go (their frames are not reused in between).
    if (Buffer.isBuffer(stored)) this.stored.set(stored);
    else this.stored.setParts(stored);
    releaseSlices(this.slices.filter((s) => s.frozen));
    this.slices = this.slices.filter((s) => !s.frozen);
    this.storeGen++;
    if (this.composedGen === this.truncateGen) {
      this.stored.validLen = BLOCK_SIZE_BYTES;
      this.needsRewrite = false;
    } else {
      this.stored.validLen = this.limSinceCompose;
    }
    this.frozenMinSeq = Number.POSITIVE_INFINITY;
    this.frozenUnjournaled = false;
    this.uploading = false;
  }

  /** The upload failed for good (closing): the frozen slices become ordinary dirty slices. */
  abortUpload(): void {
    for (const s of this.slices) s.frozen = false;
    if (this.frozenMinSeq < this.dirtyMinSeq) this.dirtyMinSeq = this.frozenMinSeq;
    this.frozenMinSeq = Number.POSITIVE_INFINITY;
    this.unjournaled ||= this.frozenUnjournaled;
    this.frozenUnjournaled = false;
    this.uploading = false;
  }

  /** Discards bytes at or past `lim` (block offset); the store copy must be rewritten. */
  truncate(lim: number, seq: number): void {
    const kept: Slice[] = [];
    for (const s of this.slices) {
      if (s.off >= lim) {
        release(s.buf);
        continue;
      }
      if (s.off + s.len > lim) {
        s.len = lim - s.off;
        s.gen++; // bytes it held are gone: a staging file holding them holds it no more
      }
      s.cap = s.len;
      kept.push(s);
    }
    this.slices = kept;
    if (lim < this.stored.validLen) this.stored.validLen = lim;
    if (lim < this.limSinceCompose) this.limSinceCompose = lim;
    this.needsRewrite = true;
    this.truncateGen++;
    if (seq < this.dirtyMinSeq) this.dirtyMinSeq = seq;
  }

  sliceBytes(frozen: boolean): number {
    let n = 0;
    for (const s of this.slices) if (s.frozen === frozen) n += s.cap;
    return n;
  }
}

/** What an entry needs from the engine that owns it. */
export interface BlockOwner {
  /** Queue an upload of this entry (backpressure, idle, commit). */
  scheduleUpload(entry: BlockEntry): void;
  /** The cache dropped the entry's base; forget the entry if nothing else is left. */
  released(entry: BlockEntry): void;
  /** Too many disjoint slices to flatten without the base: load it (then call baseLoaded()). */
  needsBase(entry: BlockEntry): void;
}

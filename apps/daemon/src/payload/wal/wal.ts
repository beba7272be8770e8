/**
 * The write-ahead log of one share: append-only segment files of checksummed records (format.ts
 * draws the layout). WRITE appends without fsync (concurrent appends leave in one writev);
 * sync() is a group commit: one fdatasync covers every record appended before it started, shared
 * by every caller waiting at that moment. A batch a sync already waits for, over records all
 * durable, is written through an O_DSYNC descriptor instead, durable on return with no fdatasync
 * (the segment file's I/O: segment-writer.ts). A segment is deleted once every record in it is in
 * the block store (reclaim); the oldest segment left is the checkpoint replay starts from.
 */
import { promises as fsp } from "node:fs";
import path from "node:path";
import type pino from "pino";
import { FsError } from "../../domain/errors.ts";
import type { WalStats } from "../../domain/stats.ts";
import { LatencyWindow } from "../latency.ts";
import { encodeHeader, type RecordKind, type WalRecord } from "./format.ts";
import { syncDir } from "./io.ts";
import { replaySegments, type Segment } from "./replay-segments.ts";
import { SegmentWriter } from "./segment-writer.ts";
import type { Wal } from "./wal-api.ts";

/** Segment size at which the next append starts a new segment. */
export const WAL_SEGMENT_BYTES_DEFAULT = 64 * 1024 * 1024;
/** A current segment at least this big is closed early once all its data is uploaded. */
const ROTATE_WHEN_CLEAN_BYTES = 1024 * 1024;
/** Waits for in-flight writes before a clean rotation gives up (each try waits for one run). */
const ROTATE_CLEAN_TRIES = 4;
/** iovecs per writev (Linux IOV_MAX is 1024; one more may carry the zero fill). */
const BATCH_BUFFERS_MAX = 1020;
/**
 * Longest a lazy record (appendLazy: a REMOVE's DELETE) waits for a batch to join. A SIGKILL in
 * that window loses it, as a power loss loses any unsynced record: the file's blocks may leak,
 * nothing wrong is read (docs/payload.md "What is durable when").
 */
const LAZY_WRITE_MS = 10;
/** Bytes per writev batch. */
const BATCH_BYTES_MAX = 64 * 1024 * 1024;

const RESOLVED = Promise.resolve();
interface Batch {
  bufs: Buffer[];
  bytes: number;
  lastSeq: number;
  promise: Promise<void>;
  resolve: () => void;
  reject: (e: unknown) => void;
}

interface SyncWaiter {
  target: number;
  resolve: () => void;
  reject: (e: unknown) => void;
}

function newBatch(): Batch {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {}); // observed by callers; never an unhandled rejection here
  return { bufs: [], bytes: 0, lastSeq: 0, promise, resolve, reject };
}

function segmentName(id: number): string {
  return `seg-${id.toString(16).padStart(16, "0")}.wal`;
}

export interface FileWalOptions {
  dir: string;
  logger: pino.Logger;
  segmentBytesMax?: number;
  /** Called for each valid record found at open, in order; may wait (cache backpressure). */
  replay: (record: WalRecord) => Promise<void> | void;
}

export class FileWal implements Wal {
  lastSeq = 0;
  reclaimedSeq = 0;
  /** A reclaim's rotation in progress (the write loop waits for it). */
  private rotating: Promise<void> | null = null;
  private writtenSeq = 0;
  private durableSeq = 0;
  /** The current segment's file; a torn batch it cannot cut off makes the WAL unusable. */
  private readonly file = new SegmentWriter((e) => {
    this.failed = e;
  });
  private segments: Segment[] = [];
  private batches: Batch[] = [];
  private writing = false;
  /** Starts the write loop for lazy records nothing else has written yet (appendLazy). */
  private lazyTimer: NodeJS.Timeout | null = null;
  private tail: Promise<void> = RESOLVED;
  private syncWaiters: SyncWaiter[] = [];
  private syncing = false;
  /** Serializes rotation and fdatasync on the current file handle. */
  private fileLock: Promise<unknown> = RESOLVED;
  private records = 0;
  private fsyncs = 0;
  private readonly fsyncLatency = new LatencyWindow();
  private failed: Error | null = null;
  private closed = false;

  private constructor(
    private readonly dir: string,
    private readonly logger: pino.Logger,
    private readonly segmentBytesMax: number,
  ) {}

  static async open(opts: FileWalOptions): Promise<FileWal> {
    const wal = new FileWal(opts.dir, opts.logger, opts.segmentBytesMax ?? WAL_SEGMENT_BYTES_DEFAULT);
    await fsp.mkdir(opts.dir, { recursive: true });
    const replayed = await replaySegments(opts.dir, opts.logger, opts.replay);
    wal.segments = replayed.segments;
    wal.lastSeq = wal.writtenSeq = wal.durableSeq = replayed.lastSeq;
    await wal.openSegment(wal.segments.length === 0 ? 1 : wal.segments[wal.segments.length - 1]!.id + 1);
    return wal;
  }

  private async openSegment(id: number): Promise<void> {
    const file = path.join(this.dir, segmentName(id));
    await this.file.open(file);
    await syncDir(this.dir);
    this.segments.push({ id, file, lastSeq: this.writtenSeq, bytes: 0 });
  }

  private get current(): Segment {
    return this.segments[this.segments.length - 1]!;
  }

  append(kind: RecordKind, idBytes: Buffer, offset: number, data: Buffer | null): Promise<void> {
    const written = this.enqueue(kind, idBytes, offset, data);
    this.startWriting();
    return written;
  }

  appendLazy(kind: RecordKind, idBytes: Buffer): Promise<void> {
    const written = this.enqueue(kind, idBytes, 0, null);
    if (!this.writing && this.lazyTimer === null) {
      this.lazyTimer = setTimeout(() => this.startWriting(), LAZY_WRITE_MS);
      this.lazyTimer.unref();
    }
    return written;
  }

  /** Starts the write loop for the records appended so far (a lazy one's timer is then moot). */
  private startWriting(): void {
    if (this.lazyTimer !== null) {
      clearTimeout(this.lazyTimer);
      this.lazyTimer = null;
    }
    if (this.writing || this.batches.length === 0) return;
    this.writing = true;
    queueMicrotask(() => void this.writeLoop());
  }

  private enqueue(kind: RecordKind, idBytes: Buffer, offset: number, data: Buffer | null): Promise<void> {
    if (this.failed !== null || this.closed) {
      return Promise.reject(this.failed ?? new FsError("EIO", "wal closed"));
    }
    const seq = ++this.lastSeq;
    const header = encodeHeader(kind, seq, idBytes, offset, data);
    let b = this.batches[this.batches.length - 1];
    if (b === undefined || b.bufs.length >= BATCH_BUFFERS_MAX || b.bytes >= BATCH_BYTES_MAX) {
      b = newBatch();
      this.batches.push(b);
      this.tail = b.promise;
    }
    b.bufs.push(header);
    b.bytes += header.length;
    if (data !== null && data.length > 0) {
      b.bufs.push(data);
      b.bytes += data.length;
    }
    b.lastSeq = seq;
    this.records++;
    return b.promise;
  }

  private async writeLoop(): Promise<void> {
    while (this.batches.length > 0) {
      const b = this.batches.shift()!;
      try {
        if (this.rotating !== null) await this.rotating.catch(() => {});
        if (this.current.bytes >= this.segmentBytesMax) await this.locked(() => this.rotate());
        await this.writeBatch(b);
        b.resolve();
      } catch (e) {
        // The batch was cut off the file; its writers get the error and nothing acknowledged it,
        // so a later sync may cover past it (replay accepts sequence gaps, never reordering).
        this.writtenSeq = b.lastSeq;
        b.reject(e);
      }
    }
    this.writing = false;
  }

  private async writeBatch(b: Batch): Promise<void> {
    const seg = this.current;
    // A sync waits for this batch and every record before it is durable (a COMMIT of a small file,
    // write-once.ts journalSmall): written with O_DSYNC, the batch is durable when the write
    // returns, as a write plus fdatasync (POSIX synchronized I/O data integrity), one threadpool
    // job less. O_DSYNC covers this write's bytes only, hence the condition on the ones before.
    const dsync = this.syncWaiters.length > 0 && this.durableSeq >= this.writtenSeq;
    const durable = await this.file.write(seg, b, dsync);
    seg.bytes += b.bytes;
    seg.lastSeq = b.lastSeq;
    this.writtenSeq = b.lastSeq;
    if (durable) {
      this.durableSeq = b.lastSeq;
      this.fsyncs++;
    }
  }

  private async rotate(): Promise<void> {
    await this.file.seal(this.current);
    this.fsyncs++;
    this.durableSeq = this.writtenSeq;
    await this.file.close();
    await this.openSegment(this.current.id + 1);
  }

  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.fileLock.then(fn, fn);
    this.fileLock = run.catch(() => {});
    return run;
  }

  written(): Promise<void> {
    if (this.writtenSeq >= this.lastSeq) return RESOLVED;
    this.startWriting(); // lazy records pending: written now, not at their timer
    return this.tail;
  }

  sync(): Promise<void> {
    const target = this.lastSeq;
    if (target <= this.durableSeq) return RESOLVED;
    this.startWriting(); // lazy records pending: written now, not at their timer
    return new Promise<void>((resolve, reject) => {
      this.syncWaiters.push({ target, resolve, reject });
      if (!this.syncing) {
        this.syncing = true;
        void this.syncLoop();
      }
    });
  }

  private async syncLoop(): Promise<void> {
    while (this.syncWaiters.length > 0) {
      try {
        await this.tail; // every record appended so far is written
      } catch {
        // A failed batch rejected its writers; the sync still flushes what was written.
      }
      // Batches written with O_DSYNC (writeBatch) may have made every waiter durable already.
      if (this.settleWaiters() === 0) continue;
      try {
        await this.locked(async () => {
          const covered = this.writtenSeq;
          const t0 = performance.now();
          await this.file.datasync();
          this.fsyncLatency.add(performance.now() - t0);
          this.fsyncs++;
          if (covered > this.durableSeq) this.durableSeq = covered;
        });
        this.settleWaiters();
      } catch (e) {
        const waiting = this.syncWaiters;
        this.syncWaiters = [];
        const err = new FsError("EIO", `wal fdatasync: ${(e as Error).message}`);
        for (const w of waiting) w.reject(err);
      }
    }
    this.syncing = false;
  }

  /** Resolves the waiters whose records are durable; how many still wait. */
  private settleWaiters(): number {
    const waiting = this.syncWaiters;
    this.syncWaiters = [];
    for (const w of waiting) {
      if (w.target <= this.durableSeq) w.resolve();
      else this.syncWaiters.push(w);
    }
    return this.syncWaiters.length;
  }

  reclaimable(minLiveSeq: number): boolean {
    const bound = Math.min(minLiveSeq, this.lastSeq + 1);
    if (this.segments.length > 1 && this.segments[0]!.lastSeq < bound) return true;
    return this.rotatesWhenClean(minLiveSeq);
  }

  /** Everything is in the block store: start a new segment so the current one can go too. */
  private rotatesWhenClean(minLiveSeq: number): boolean {
    return (
      minLiveSeq > this.lastSeq &&
      this.current.bytes >= ROTATE_WHEN_CLEAN_BYTES &&
      !this.closed &&
      this.failed === null
    );
  }

  /**
   * Starts a new segment once no write is in flight, so a clean one can go. A write in flight (a
   * record older than `bound`, or a lazy one) used to make the reclaim skip the rotation, and with
   * no upload left to ask for another reclaim the clean segment stayed (service.test timed out on
   * it once). It is waited for instead, unless newer records make the segment live again.
   */
  private async rotateClean(cur: Segment, bound: number): Promise<void> {
    for (let tries = 0; tries < ROTATE_CLEAN_TRIES; tries++) {
      const done = await this.locked(async () => {
        if (this.current !== cur || this.closed || this.failed !== null) return true;
        if (this.batches.length > 0 || this.writing) return false;
        // Appends during the rotation start the write loop: it must wait for the new file handle,
        // not write to the one being closed ("file closed" EIO on a live write).
        this.rotating = this.rotate();
        try {
          await this.rotating;
        } finally {
          this.rotating = null;
        }
        return true;
      });
      if (done) return;
      await this.written().catch(() => {});
      if (this.lastSeq >= bound) return;
    }
  }

  async reclaim(minLiveSeq: number): Promise<void> {
    // The caller computed minLiveSeq from the engine's state now; records appended while this
    // reclaim awaits (rotation, rm) are newer than that answer and may be dirty: never delete them.
    const bound = Math.min(minLiveSeq, this.lastSeq + 1);
    if (this.rotatesWhenClean(minLiveSeq)) await this.rotateClean(this.current, bound);
    let n = 0;
    while (n < this.segments.length - 1 && this.segments[n]!.lastSeq < bound) n++;
    if (n === 0) return;
    const gone = this.segments.slice(0, n);
    for (const seg of gone) await fsp.rm(seg.file, { force: true });
    // Durably gone before reclaimedSeq says so: write-once.ts lets a payload skip the WAL only
    // when no record naming it can come back after a power loss and be replayed over newer data.
    await syncDir(this.dir);
    this.segments = this.segments.filter((seg) => !gone.includes(seg)); // a concurrent reclaim may have too
    this.reclaimedSeq = Math.max(this.reclaimedSeq, gone[n - 1]!.lastSeq);
  }

  counters(): WalStats {
    let bytes = 0;
    for (const s of this.segments) bytes += s.bytes;
    return {
      bytes,
      segments: this.segments.length,
      records: this.records,
      fsyncs: this.fsyncs,
      fsyncLatencyMsP50: this.fsyncLatency.percentile(0.5),
      fsyncLatencyMsP99: this.fsyncLatency.percentile(0.99),
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.sync().catch(() => {});
    this.closed = true;
    await this.tail.catch(() => {});
    await this.locked(() => this.file.close());
  }
}

/**
 * The file I/O of a WAL's current segment (wal.ts): its batches' writevs, the zero fill ahead of
 * small ones, the O_DSYNC descriptor for batches durable on return, the cut of a torn batch, and
 * the fdatasync and close that end the segment. Which batch is written when, and which records are
 * durable, is wal.ts's.
 */
import { constants, promises as fsp } from "node:fs";
import { FsError } from "../../domain/errors.ts";
import { skipBytes } from "./io.ts";
import type { Segment } from "./replay-segments.ts";

/**
 * A run of small batches also zero-fills this much past its end: later records overwrite
 * allocated blocks in place, so their fdatasync flushes data only, with no journal commit for a
 * new file size (the COMMIT of small files: p50 below a plain append + fdatasync, bench/payload.ts).
 * Large batches (streaming writes), and a small one right after a large one, skip it rather than
 * write the log twice.
 */
const PREALLOC_BYTES = 1024 * 1024;
const PREALLOC_BATCH_BYTES_MAX = 256 * 1024;
const ZEROS = Buffer.alloc(PREALLOC_BYTES);
/** The current segment opened again for batches durable on return (write with `dsync`). */
const DSYNC_FLAGS = constants.O_WRONLY | constants.O_DSYNC;

export class SegmentWriter {
  private fh!: fsp.FileHandle;
  /** The current segment with O_DSYNC, opened at its first durable batch. */
  private dsyncFh: fsp.FileHandle | null = null;
  /** Physical end of the current segment: [segment bytes, preallocEnd) is zero-filled. */
  private preallocEnd = 0;
  private lastBatchBytes = Number.POSITIVE_INFINITY;

  /** `unusable`: a torn batch could not be cut off, so no later record may follow it. */
  constructor(private readonly unusable: (e: Error) => void) {}

  /** Creates the segment's file (new: "wx") and writes to it from now on. */
  async open(file: string): Promise<void> {
    this.fh = await fsp.open(file, "wx", 0o600);
    this.preallocEnd = 0;
  }

  /**
   * Writes the batch at the end of `seg` (whose bytes the caller then advances). `dsync`: through
   * the O_DSYNC descriptor, durable on return; returns whether it was (false when that descriptor
   * cannot be opened: the batch is written as any).
   */
  async write(seg: Segment, batch: { bufs: Buffer[]; bytes: number }, dsync: boolean): Promise<boolean> {
    const durable = dsync ? await this.dsyncHandle(seg) : null;
    const fh = durable ?? this.fh;
    let bufs = batch.bufs;
    let pos = seg.bytes;
    let left = batch.bytes;
    const end = seg.bytes + batch.bytes;
    const small = batch.bytes <= PREALLOC_BATCH_BYTES_MAX;
    if (end > this.preallocEnd && small && this.lastBatchBytes <= PREALLOC_BATCH_BYTES_MAX) {
      // Only ever past the logical end: the write loop writes one batch at a time, in order.
      bufs = [...bufs, ZEROS];
      left += PREALLOC_BYTES;
    }
    try {
      while (left > 0) {
        const { bytesWritten } = await fh.writev(bufs, pos);
        pos += bytesWritten;
        left -= bytesWritten;
        if (left > 0) bufs = skipBytes(bufs, bytesWritten);
      }
    } catch (e) {
      // Cut the partial batch off so later records never follow a torn one.
      try {
        await fh.truncate(seg.bytes);
        this.preallocEnd = seg.bytes;
      } catch {
        this.unusable(new FsError("EIO", `wal unusable: ${(e as Error).message}`));
      }
      const code = (e as NodeJS.ErrnoException).code;
      throw new FsError(code === "ENOSPC" ? "ENOSPC" : "EIO", `wal write: ${(e as Error).message}`);
    }
    this.preallocEnd = Math.max(this.preallocEnd, pos);
    this.lastBatchBytes = batch.bytes;
    return durable !== null;
  }

  /** The O_DSYNC descriptor of `seg`, or null when it cannot be opened. */
  private async dsyncHandle(seg: Segment): Promise<fsp.FileHandle | null> {
    this.dsyncFh ??= await fsp.open(seg.file, DSYNC_FLAGS).catch(() => null);
    return this.dsyncFh;
  }

  datasync(): Promise<void> {
    return this.fh.datasync();
  }

  /** Ends `seg` before a rotation: only the last segment may end in zero fill; the datasync makes the cut durable. */
  async seal(seg: Segment): Promise<void> {
    if (this.preallocEnd > seg.bytes) await this.fh.truncate(seg.bytes);
    await this.fh.datasync();
  }

  async close(): Promise<void> {
    const fh = this.dsyncFh;
    this.dsyncFh = null;
    await fh?.close();
    await this.fh.close();
  }
}

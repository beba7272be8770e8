/**
 * The write path of a share's engine (docs/architecture.md "Write path" steps 1–3): bytes go to the
 * WAL and into the cache as dirty slices; a completed block is queued for upload at once; truncate
 * and delete drop cached blocks and hand the stored ones to block GC (transfer/gc.ts). WAL replay
 * (replay.ts) applies its records through the same functions.
 */
import { heldUntil } from "../domain/buffer-pool.ts";
import type { BlockEntry } from "./cache/block-entry.ts";
import { adoptable } from "./cache/slices.ts";
import type { PayloadEngine } from "./engine.ts";
import type { PayloadState } from "./payload-state.ts";
import { requestGc } from "./transfer/gc.ts";
import { dropSealed } from "./transfer/seal.ts";
import { dropStaged, writeBehind } from "./transfer/write-behind.ts";
import { BLOCK_SIZE_BYTES } from "./types.ts";
import { RecordKind, WAL_RECORD_DATA_BYTES_MAX } from "./wal/format.ts";
import { UNJOURNALED } from "./write-once.ts";

/**
 * Appends the write to the WAL (in records of at most WAL_RECORD_DATA_BYTES_MAX) and applies it
 * to the cache once there is room; resolves when the records are written (not synced). On a local
 * store a payload no replayable record names skips the WAL (write-once.ts): its COMMIT puts it.
 */
export async function writePinned(
  engine: PayloadEngine,
  p: PayloadState,
  offset: number,
  data: Buffer,
  checkOpen: () => void,
): Promise<void> {
  if (data.length === 0) return;
  const wait = engine.cache.reserve(data.length);
  if (wait !== undefined) await wait;
  checkOpen();
  const adopt = adoptable(data);
  if (engine.writeOnce.applies(p, offset, data.length)) {
    applyWrite(engine, p, offset, data, UNJOURNALED, adopt);
    // Backpressure: the writer waits while the disk is behind on the staging files (write-behind.ts).
    return engine.stageBacklog.room();
  }
  if (data.length <= WAL_RECORD_DATA_BYTES_MAX) {
    // The record refers to `data` until it is written: a holder of a received frame till then.
    const written = heldUntil(data, engine.wal.append(RecordKind.WRITE, p.idBytes, offset, data));
    engine.writeOnce.noteRecord(p, engine.wal.lastSeq);
    applyWrite(engine, p, offset, data, engine.wal.lastSeq, adopt);
    return written;
  }
  const parts: Promise<void>[] = [];
  for (let at = 0; at < data.length; at += WAL_RECORD_DATA_BYTES_MAX) {
    const piece = data.subarray(at, Math.min(data.length, at + WAL_RECORD_DATA_BYTES_MAX));
    parts.push(heldUntil(piece, engine.wal.append(RecordKind.WRITE, p.idBytes, offset + at, piece)));
    engine.writeOnce.noteRecord(p, engine.wal.lastSeq);
    applyWrite(engine, p, offset + at, piece, engine.wal.lastSeq, adopt);
  }
  await Promise.all(parts);
}

/**
 * Puts bytes into the cache as dirty slices, block by block (copied, or `adopt`ed as they are);
 * queues complete blocks. `seq` is the WAL record's, or UNJOURNALED.
 */
export function applyWrite(
  engine: PayloadEngine,
  p: PayloadState,
  offset: number,
  data: Buffer,
  seq: number,
  adopt = false,
): void {
  const sequential = offset === p.lastWriteEnd;
  const now = Date.now();
  let pos = 0;
  while (pos < data.length) {
    const abs = offset + pos;
    const index = Math.floor(abs / BLOCK_SIZE_BYTES);
    const blockOff = abs - index * BLOCK_SIZE_BYTES;
    const n = Math.min(data.length - pos, BLOCK_SIZE_BYTES - blockOff);
    const e = engine.entry(p, index);
    e.write(blockOff, data, pos, pos + n, seq, sequential, adopt);
    if (seq === UNJOURNALED) e.unjournaled = true;
    e.lastWriteMs = now;
    engine.cache.recount(e);
    engine.dirty.add(e);
    // Eager upload: a block the writer just completed goes at once (docs/architecture.md "Write path"
    // step 2). A write-once block's writes go to its staging file as they arrive, its fdatasync left
    // to the COMMIT (write-behind.ts); completed in any order, it is then staged whole.
    if (seq === UNJOURNALED) writeBehind(engine, e, n, e.covers(0, BLOCK_SIZE_BYTES));
    else if (blockOff + n === BLOCK_SIZE_BYTES && e.covers(0, BLOCK_SIZE_BYTES)) engine.scheduleUpload(e);
    pos += n;
  }
  p.lastWriteEnd = offset + data.length;
}

/** Cuts the cached blocks at `size` and has GC delete the stored blocks past it. */
export function applyTruncate(engine: PayloadEngine, p: PayloadState, size: number, seq: number): void {
  const keep = Math.ceil(size / BLOCK_SIZE_BYTES);
  for (const [index, e] of p.blocks) if (index >= keep) drop(engine, p, e);
  const lim = size % BLOCK_SIZE_BYTES;
  if (lim !== 0) {
    const e = engine.entry(p, keep - 1);
    void dropStaged(e); // its staging file holds bytes past the cut
    e.truncate(lim, seq);
    engine.cache.recount(e);
    engine.dirty.add(e);
  }
  p.lastWriteEnd = -1;
  requestGc(engine, p, keep, seq);
}

/** Drops every cached block of the payload and has GC delete all stored ones. */
export function applyDelete(engine: PayloadEngine, p: PayloadState, seq: number): void {
  for (const e of p.blocks.values()) drop(engine, p, e);
  p.lastWriteEnd = -1;
  p.lastReadEnd = -1;
  requestGc(engine, p, 0, seq);
}

function drop(engine: PayloadEngine, p: PayloadState, e: BlockEntry): void {
  void dropStaged(e);
  void dropSealed(e);
  p.blocks.delete(e.index);
  engine.dirty.delete(e);
  engine.cache.forget(e);
}

/**
 * The read path of a share's engine: a read merges the cached dirty slices of each block over its
 * base, downloading missing bases (all of a multi-block read's at once) and prefetching ahead of
 * a sequential reader (downloads.ts).
 */
import { FsError } from "../domain/errors.ts";
import { FILE_SIZE_MAX } from "../domain/limits.ts";
import { BlockEntry } from "./cache/block-entry.ts";
import type { PayloadEngine } from "./engine.ts";
import type { PayloadState } from "./payload-state.ts";
import { prefetchBlocks } from "./transfer/downloads.ts";
import { BLOCK_SIZE_BYTES } from "./types.ts";

/** Largest single read. */
export const READ_BYTES_MAX = 64 * 1024 * 1024;
/** Blocks fetched ahead of a sequential reader. */
export const PREFETCH_BLOCKS = 2;

export function checkRange(offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
    throw new FsError("EINVAL", "bad offset or length");
  }
  if (offset + length > FILE_SIZE_MAX) throw new FsError("EFBIG", "beyond the largest file size");
}

export async function readAt(
  engine: PayloadEngine,
  payloadId: string,
  offset: number,
  length: number,
): Promise<Buffer> {
  checkRange(offset, length);
  if (length > READ_BYTES_MAX) throw new FsError("EINVAL", `read of ${length} bytes`);
  if (engine.closed) throw new FsError("EIO", "share payload closed");
  if (length === 0) return BlockEntry.EMPTY;
  const p = engine.payload(payloadId);
  // Pinned: eviction must not forget the state while this read waits for downloads.
  p.pins++;
  try {
    return await readPinned(engine, p, offset, length);
  } finally {
    p.pins--;
  }
}

async function readPinned(
  engine: PayloadEngine,
  p: PayloadState,
  offset: number,
  length: number,
): Promise<Buffer> {
  const first = Math.floor(offset / BLOCK_SIZE_BYTES);
  const last = Math.floor((offset + length - 1) / BLOCK_SIZE_BYTES);
  const sequential = offset === p.lastReadEnd;
  p.lastReadEnd = offset + length;
  if (sequential) prefetchBlocks(engine, p, last + 1, PREFETCH_BLOCKS);
  if (first === last) {
    const a = offset - first * BLOCK_SIZE_BYTES;
    return readBlock(engine, p, first, a, a + length, null, 0);
  }
  // Start every missing block's download before waiting on any of them.
  for (let i = first; i <= last; i++) {
    const e = engine.entry(p, i);
    if (e.needsBaseFor(0, BLOCK_SIZE_BYTES)) engine.loadBase(e).catch(() => {});
  }
  const out = Buffer.allocUnsafe(length);
  for (let i = first; i <= last; i++) {
    const start = Math.max(offset, i * BLOCK_SIZE_BYTES);
    const end = Math.min(offset + length, (i + 1) * BLOCK_SIZE_BYTES);
    const base = i * BLOCK_SIZE_BYTES;
    await readBlock(engine, p, i, start - base, end - base, out, start - offset);
  }
  return out;
}

/** Block bytes [a, b): returned (zero-copy when possible), or merged into out at outOff. */
async function readBlock(
  engine: PayloadEngine,
  p: PayloadState,
  index: number,
  a: number,
  b: number,
  out: Buffer | null,
  outOff: number,
): Promise<Buffer> {
  let e = engine.entry(p, index);
  let missed = false;
  for (;;) {
    if (e.dropped) e = engine.entry(p, index);
    if (!e.needsBaseFor(a, b)) break;
    missed = true;
    await engine.loadBase(e);
  }
  if (missed) engine.cache.misses++;
  else engine.cache.hits++;
  engine.cache.touch(e);
  let result: Buffer;
  if (out === null) result = e.read(a, b);
  else {
    e.readInto(out, outOff, a, b);
    result = out;
  }
  engine.released(e);
  return result;
}

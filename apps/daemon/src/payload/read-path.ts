/**
 * The read path of a share's engine: a read merges the cached dirty slices of each block over its
 * base, downloading missing bases (all of a multi-block read's at once) and prefetching ahead of
 * a sequential reader (downloads.ts).
 */
import { escapeBuffer, releaseAll, retain } from "../domain/buffer-pool.ts";
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

/**
 * Bytes [offset, offset+length) in order, as views of the cached blocks' buffers (no copy) where
 * they hold the range, else merged into a new buffer per block (BlockEntry.readParts). The parts are never changed afterwards (docs/payload.md "WRITE"), so a reply may
 * send them by reference.
 */
export function readParts(
  engine: PayloadEngine,
  payloadId: string,
  offset: number,
  length: number,
): Promise<Buffer[]> {
  try {
    const got = readPartsNow(engine, payloadId, offset, length);
    return Array.isArray(got) ? Promise.resolve(got) : got;
  } catch (e) {
    return Promise.reject(e);
  }
}

/**
 * readParts' answer itself when a single-block range is cached (the READ hot path, no promise),
 * failures thrown; else the promise of it. `hold`: the caller becomes a holder of every part
 * (buffer-pool.ts `retain`) and must `releaseAll` them once nothing reads them any more (an NFS or
 * SMB READ reply, when the socket write that carries them completed); otherwise the parts escape
 * and their memory is never reused (docs/payload.md "Receive buffers").
 */
export function readPartsNow(
  engine: PayloadEngine,
  payloadId: string,
  offset: number,
  length: number,
  hold = false,
): Buffer[] | Promise<Buffer[]> {
  checkRange(offset, length);
  if (length > READ_BYTES_MAX) throw new FsError("EINVAL", `read of ${length} bytes`);
  if (engine.closed) throw new FsError("EIO", "share payload closed");
  if (length === 0) return [];
  const p = engine.payload(payloadId);
  // Pinned: eviction must not forget the state while this read waits for downloads.
  p.pins++;
  let got: Buffer[] | Promise<Buffer[]>;
  try {
    got = readPinned(engine, p, offset, length, hold);
  } catch (e) {
    p.pins--;
    throw e;
  }
  if (Array.isArray(got)) {
    p.pins--;
    return got;
  }
  return got.finally(() => {
    p.pins--;
  });
}

/** The same bytes as one buffer (copied together when the range spans blocks). */
export async function readAt(
  engine: PayloadEngine,
  payloadId: string,
  offset: number,
  length: number,
): Promise<Buffer> {
  const parts = await readParts(engine, payloadId, offset, length);
  if (parts.length === 0) return BlockEntry.EMPTY;
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts, length);
}

/**
 * The parts themselves when a single-block read finds its bytes cached (no async frame, no
 * microtask hop: the common 4 KiB READ), else their promise.
 */
function readPinned(
  engine: PayloadEngine,
  p: PayloadState,
  offset: number,
  length: number,
  hold: boolean,
): Buffer[] | Promise<Buffer[]> {
  const first = Math.floor(offset / BLOCK_SIZE_BYTES);
  const last = Math.floor((offset + length - 1) / BLOCK_SIZE_BYTES);
  const sequential = offset === p.lastReadEnd;
  p.lastReadEnd = offset + length;
  if (sequential) prefetchBlocks(engine, p, last + 1, PREFETCH_BLOCKS);
  const parts: Buffer[] = [];
  if (first === last) {
    const a = offset - first * BLOCK_SIZE_BYTES;
    if (readCached(engine, p, first, a, a + length, parts, hold)) return parts;
    return readBlock(engine, p, first, a, a + length, parts, hold).then(() => parts);
  }
  const got = readBlocks(engine, p, offset, length, first, last, parts, hold);
  if (!hold) return got;
  // A later block's download failed: the parts served before it are let go (nobody else will).
  return got.catch((e: unknown) => {
    releaseAll(parts);
    throw e;
  });
}

async function readBlocks(
  engine: PayloadEngine,
  p: PayloadState,
  offset: number,
  length: number,
  first: number,
  last: number,
  parts: Buffer[],
  hold: boolean,
): Promise<Buffer[]> {
  // Start every missing block's download before waiting on any of them.
  for (let i = first; i <= last; i++) {
    const e = engine.entry(p, i);
    if (e.needsBaseFor(0, BLOCK_SIZE_BYTES)) engine.loadBase(e).catch(() => {});
  }
  for (let i = first; i <= last; i++) {
    const base = i * BLOCK_SIZE_BYTES;
    const start = Math.max(offset, base);
    const end = Math.min(offset + length, base + BLOCK_SIZE_BYTES);
    await readBlock(engine, p, i, start - base, end - base, parts, hold);
  }
  return parts;
}

/** readBlock when the entry holds [a, b) already: true once the parts are appended. */
function readCached(
  engine: PayloadEngine,
  p: PayloadState,
  index: number,
  a: number,
  b: number,
  out: Buffer[],
  hold: boolean,
): boolean {
  const e = engine.entry(p, index);
  if (e.dropped || e.needsBaseFor(a, b)) return false;
  serve(engine, e, a, b, out, false, hold);
  return true;
}

/** Block bytes [a, b) appended to `out`, as views where buffers hold them (BlockEntry.readParts). */
async function readBlock(
  engine: PayloadEngine,
  p: PayloadState,
  index: number,
  a: number,
  b: number,
  out: Buffer[],
  hold: boolean,
): Promise<void> {
  let e = engine.entry(p, index);
  let missed = false;
  for (;;) {
    if (e.dropped) e = engine.entry(p, index);
    if (!e.needsBaseFor(a, b)) break;
    missed = true;
    await engine.loadBase(e);
  }
  serve(engine, e, a, b, out, missed, hold);
}

function serve(
  engine: PayloadEngine,
  e: BlockEntry,
  a: number,
  b: number,
  out: Buffer[],
  missed: boolean,
  hold: boolean,
): void {
  if (missed) engine.cache.misses++;
  else engine.cache.hits++;
  engine.cache.touch(e);
  const from = out.length;
  e.readParts(a, b, out);
  // Views leave the cache here: a held read's caller counts as a holder until its reply was
  // written; any other (copy-chunk, readAt, NFSv4) lets them escape: their memory is never reused.
  if (hold) for (let i = from; i < out.length; i++) retain(out[i]!);
  else for (let i = from; i < out.length; i++) escapeBuffer(out[i]!);
  engine.released(e);
}

/**
 * A block's dirty slices (block-entry.ts) as plain data: the slice record and the pure helpers
 * that merge slices — the runs they cover, copying a slice's overlap with a range, views of
 * slices that tile a range — and letting go of their buffers.
 */
import { release } from "../../domain/buffer-pool.ts";
import { BLOCK_SIZE_BYTES } from "../types.ts";

/** Writes at least this big may be kept as they are (adoptable()). */
export const ADOPT_BYTES_MIN = 256 * 1024;
/** A sequential writer's slice this long is taken for a stream: it grows to the block end (growSlice()). */
const STREAM_SLICE_BYTES = 64 * 1024;

/**
 * Whether the cache may keep a written buffer as a slice instead of copying it: writeAt's caller
 * hands the bytes over (PayloadService.writeAt), and a big write that is nearly all of its
 * backing memory (a received WRITE frame of its own, not a view into a larger socket chunk)
 * pins no more than an eighth extra. Saves a copy and a 4 MiB slice allocation per block.
 */
export function adoptable(data: Buffer): boolean {
  return data.length >= ADOPT_BYTES_MIN && data.buffer.byteLength - data.length <= data.length / 8;
}

export interface Slice {
  /** Offset within the block. */
  off: number;
  len: number;
  /** Extension limit (<= buf.length): lowered by truncate so returned subarrays never change. */
  cap: number;
  buf: Buffer;
  /** Part of an upload in flight: neither extended nor flattened. */
  frozen: boolean;
  /**
   * Content generation: bumped whenever bytes below `len` change. Written bytes are never changed
   * in place, except by a truncate's cut: the bytes past it are gone, and a later write may grow
   * the same slice back over them with new ones. An extension past `len` (in place or into a new
   * buffer) leaves it. A staging file records the generation of each slice it holds and holds it
   * only while it is unchanged (transfer/write-behind.ts): identity and length alone missed a cut
   * grown back to the same length.
   */
  gen: number;
}

/** Moves slice `s` into a new buffer of room for at least `need` bytes (it extends past its cap). */
export function growSlice(s: Slice, need: number, sequential: boolean): void {
  // Always a new buffer: bytes past a lowered cap may back a subarray a reader still holds.
  // A sequential writer's slice grows to the block end once it is STREAM_SLICE_BYTES long (a
  // stream allocates once per block after a few small copies); below that it grows fourfold, so
  // a writer that rewrites a small region pass after pass (every pass but its first write is
  // "sequential") does not allocate and pin a 4 MiB slice per pass.
  const room = BLOCK_SIZE_BYTES - s.off;
  const streaming = sequential && s.len >= STREAM_SLICE_BYTES;
  const cap = Math.min(room, streaming ? room : Math.max(need, s.len * (sequential ? 4 : 2)));
  const buf = Buffer.allocUnsafe(Math.max(cap, need));
  s.buf.copy(buf, 0, 0, s.len);
  release(s.buf); // an adopted frame extended by a later small write
  s.buf = buf;
  s.cap = buf.length;
}

/** The slices let go of their buffers (domain/buffer-pool.ts: adopted received frames). */
export function releaseSlices(slices: readonly Slice[]): void {
  for (const s of slices) release(s.buf);
}

/** Copies the part of slice `s` inside block range [a, b) into out (at outOff for a). */
export function copyOverlap(s: Slice, a: number, b: number, out: Buffer, outOff: number): void {
  const sa = Math.max(a, s.off);
  const sb = Math.min(b, s.off + s.len);
  if (sa < sb) s.buf.copy(out, outOff + sa - a, sa - s.off, sb - s.off);
}

/** Sorted, merged [start, end) runs covered by the slices (adjacent runs join). */
export function unionRuns(slices: readonly Slice[]): [number, number][] {
  const iv = slices.filter((s) => s.len > 0).map((s): [number, number] => [s.off, s.off + s.len]);
  iv.sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const [a, b] of iv) {
    const last = out[out.length - 1];
    if (last !== undefined && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/**
 * Views of the slices over block range [a, b) appended to `out`, when they cover it end to end
 * with no overlap (no newer slice hides bytes of another, so order does not matter); else false
 * and nothing appended (the caller merges).
 */
export function tiledViews(slices: readonly Slice[], a: number, b: number, out: Buffer[]): boolean {
  const hits = slices.filter((s) => s.off < b && s.off + s.len > a).sort((x, y) => x.off - y.off);
  let at = a;
  for (const [k, s] of hits.entries()) {
    if (s.off !== at && !(k === 0 && s.off < a)) return false;
    at = s.off + s.len;
  }
  if (at < b) return false;
  for (const s of hits)
    out.push(s.buf.subarray(Math.max(a, s.off) - s.off, Math.min(b, s.off + s.len) - s.off));
  return true;
}

/**
 * Views of the slices (in their order) when they tile [0, end) one after another from offset 0,
 * and `end`; else null. Slices never change in place, so the views stay valid as a block's parts.
 */
export function tilesFromZero(slices: readonly Slice[]): { parts: Buffer[]; end: number } | null {
  const parts: Buffer[] = [];
  let at = 0;
  for (const s of slices) {
    if (s.off !== at) return null;
    parts.push(s.buf.subarray(0, s.len));
    at += s.len;
  }
  return { parts, end: at };
}

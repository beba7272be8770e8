/**
 * A block's dirty slices (block-entry.ts) as plain data: the slice record and the pure helpers
 * that merge slices — the runs they cover, copying a slice's overlap with a range, and views of
 * slices that tile a range.
 */

export interface Slice {
  /** Offset within the block. */
  off: number;
  len: number;
  /** Extension limit (<= buf.length): lowered by truncate so returned subarrays never change. */
  cap: number;
  buf: Buffer;
  /** Part of an upload in flight: neither extended nor flattened. */
  frozen: boolean;
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

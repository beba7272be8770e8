/**
 * The clean base of one cached block: the block as the block store holds it, loaded by a
 * download or left behind by an upload. It is either one buffer or the adjacent parts (from
 * offset 0) an upload just stored, kept as they are rather than merged into a fresh 4 MiB copy
 * (docs/payload.md, "Upload"). Reads use the parts in place; nothing joins them (a read across parts copies what it needs).
 * `validLen` masks a truncate that the store copy does not have yet. Pure data, like
 * block-entry.ts, which layers the dirty slices over it. It counts itself as a holder of the
 * buffers it keeps (domain/buffer-pool.ts), so received frames are reused only once it let go.
 */
import { release, releaseAll, retain, retainAll } from "../../domain/buffer-pool.ts";
import { BLOCK_SIZE_BYTES } from "../types.ts";

export class StoredBase {
  private buf: Buffer | null = null;
  private parts: Buffer[] | null = null;
  private partsBytes = 0;
  /** Store bytes at or past this offset read as zeros (a truncate not yet rewritten to the store). */
  validLen = BLOCK_SIZE_BYTES;

  /** Sets the content (null: not loaded, EMPTY: the store has no such block). */
  set(b: Buffer | null): void {
    if (b !== null) retain(b); // before letting go: b may be a view of what is held now
    this.drop();
    this.buf = b;
  }

  /** The parts an upload stored, from offset 0; they must never change afterwards. */
  setParts(parts: readonly Buffer[]): void {
    if (parts.length === 1) {
      this.set(parts[0]!);
      return;
    }
    retainAll(parts);
    this.drop();
    this.parts = [...parts];
    this.partsBytes = parts.reduce((n, b) => n + b.length, 0);
  }

  /** Lets go of the content held. */
  private drop(): void {
    if (this.buf !== null) release(this.buf);
    if (this.parts !== null) releaseAll(this.parts);
    this.buf = null;
    this.parts = null;
  }

  /** Loaded (possibly EMPTY). */
  get loaded(): boolean {
    return this.buf !== null || this.parts !== null;
  }

  /** Bytes held (0 when not loaded). */
  get length(): number {
    return this.parts !== null ? this.partsBytes : (this.buf?.length ?? 0);
  }

  /** End of the bytes that read as the store's: the length, cut by a pending truncate. */
  get end(): number {
    return Math.min(this.length, this.validLen);
  }

  /** Views of bytes [a, b) (within `end`) appended to `out`: one per stored part they touch. */
  views(a: number, b: number, out: Buffer[]): void {
    if (this.parts === null) {
      out.push(this.buf!.subarray(a, b));
      return;
    }
    let at = 0;
    for (const part of this.parts) {
      const pa = Math.max(a, at);
      const pb = Math.min(b, at + part.length);
      if (pa < pb) out.push(part.subarray(pa - at, pb - at));
      at += part.length;
      if (at >= b) return;
    }
  }

  /** Block bytes [a, b) as the store holds them into out at outOff: zeros past `end` or unloaded. */
  readInto(out: Buffer, outOff: number, a: number, b: number): void {
    const end = this.end;
    if (!this.loaded || a >= end) {
      out.fill(0, outOff, outOff + b - a);
      return;
    }
    const e = Math.min(b, end);
    this.copy(out, outOff, a, e);
    if (e < b) out.fill(0, outOff + e - a, outOff + b - a);
  }

  private copy(out: Buffer, outOff: number, a: number, b: number): void {
    if (this.parts === null) {
      this.buf!.copy(out, outOff, a, b);
      return;
    }
    let at = 0;
    for (const part of this.parts) {
      const pa = Math.max(a, at);
      const pb = Math.min(b, at + part.length);
      if (pa < pb) part.copy(out, outOff + pa - a, pa - at, pb - at);
      at += part.length;
      if (at >= b) return;
    }
  }
}

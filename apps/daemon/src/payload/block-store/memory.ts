/**
 * In-memory block store: for tests and memory-only shares. Content is lost on stop. A put copies
 * (its caller may reuse the buffer); putv keeps the parts it is given (the engine's frozen
 * slices, which never change: docs/payload.md "Upload"), so storing a block costs neither a
 * 4 MiB compose nor a copy, and the cache's clean copy and the store share the same memory.
 *
 * The parts it keeps are counted holders of received frames (domain/buffer-pool.ts `retain`):
 * a block replaced, deleted or dropped at close releases them, so once the cache has let go too
 * the frames of a removed file go back to the receive pool. Before, the store was an uncounted
 * holder and every frame it ever kept was never reused: each round of a memory share that
 * writes and removes files allocated (and the kernel faulted and zeroed) all of its frames anew.
 * Nothing hands out views of kept parts: get() copies.
 */
import { releaseAll, retainAll } from "../../domain/buffer-pool.ts";
import { FsError } from "../../domain/errors.ts";
import type { BlockStore, BlockStoreHealth } from "../types.ts";
import { assertBlockKey } from "./keys.ts";

export class MemoryBlockStore implements BlockStore {
  readonly type = "memory";
  /** It counts what it keeps (retain/release), so the engine need not give up the frames. */
  readonly releasesBuffers = true;
  /** A block's bytes: the concatenation of its parts. */
  private readonly blocks = new Map<string, readonly Buffer[]>();

  async put(key: string, data: Buffer): Promise<void> {
    assertBlockKey(key);
    // Copy: the caller may reuse its buffer; a store owns what it holds.
    this.set(key, [Buffer.from(data)]);
  }

  async putv(key: string, parts: readonly Buffer[]): Promise<void> {
    assertBlockKey(key);
    const kept = [...parts];
    retainAll(kept);
    this.set(key, kept);
  }

  async get(key: string, offset = 0, length?: number): Promise<Buffer> {
    assertBlockKey(key);
    const parts = this.blocks.get(key);
    if (parts === undefined) throw new FsError("ENOENT", key);
    let size = 0;
    for (const p of parts) size += p.length;
    const start = Math.min(offset, size);
    const end = length === undefined ? size : Math.min(size, start + length);
    // A copy: the caller owns what it gets (a cache base is dropped, never written, but tests do).
    const out = Buffer.allocUnsafe(end - start);
    let at = 0;
    for (const p of parts) {
      const a = Math.max(start, at);
      const b = Math.min(end, at + p.length);
      if (a < b) p.copy(out, a - start, a - at, b - at);
      at += p.length;
    }
    return out;
  }

  async delete(key: string): Promise<void> {
    assertBlockKey(key);
    this.set(key, null);
  }

  async *list(prefix: string): AsyncIterable<string> {
    const keys = [...this.blocks.keys()].filter((k) => k.startsWith(prefix)).sort();
    yield* keys;
  }

  async health(): Promise<BlockStoreHealth> {
    return { ok: true, latencyMs: 0 };
  }

  async close(): Promise<void> {
    for (const parts of this.blocks.values()) releaseAll(parts);
    this.blocks.clear();
  }

  /** Replaces (null: removes) a block's parts, letting go of the ones it held. */
  private set(key: string, parts: readonly Buffer[] | null): void {
    const old = this.blocks.get(key);
    if (parts === null) this.blocks.delete(key);
    else this.blocks.set(key, parts);
    if (old !== undefined) releaseAll(old);
  }
}

/** In-memory block store: for tests and memory-only shares. Content is lost on stop. */
import { FsError } from "../../domain/errors.ts";
import type { BlockStore, BlockStoreHealth } from "../types.ts";
import { assertBlockKey } from "./keys.ts";

export class MemoryBlockStore implements BlockStore {
  readonly type = "memory";
  private readonly blocks = new Map<string, Buffer>();

  async put(key: string, data: Buffer): Promise<void> {
    assertBlockKey(key);
    // Copy: the caller may reuse its buffer; a store owns what it holds.
    this.blocks.set(key, Buffer.from(data));
  }

  async get(key: string, offset = 0, length?: number): Promise<Buffer> {
    assertBlockKey(key);
    const data = this.blocks.get(key);
    if (data === undefined) throw new FsError("ENOENT", key);
    const start = Math.min(offset, data.length);
    const end = length === undefined ? data.length : Math.min(data.length, start + length);
    return Buffer.from(data.subarray(start, end));
  }

  async delete(key: string): Promise<void> {
    assertBlockKey(key);
    this.blocks.delete(key);
  }

  async *list(prefix: string): AsyncIterable<string> {
    const keys = [...this.blocks.keys()].filter((k) => k.startsWith(prefix)).sort();
    yield* keys;
  }

  async health(): Promise<BlockStoreHealth> {
    return { ok: true, latencyMs: 0 };
  }

  async close(): Promise<void> {
    this.blocks.clear();
  }
}

/**
 * The read path's synchronous fast path (read-path.ts): a single-block read the cache holds
 * answers with an already settled promise (no async frame, no microtask hop), while reads that
 * download or span blocks take the asynchronous path; both give the same bytes and leave the
 * payload state unpinned.
 */
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { prng, randomFill } from "../domain/testing/prng.ts";
import { settledInOneTick } from "../domain/testing/settled.ts";
import { blockKey } from "./block-store/keys.ts";
import { MemoryBlockStore } from "./block-store/memory.ts";
import { BlockCache } from "./cache/cache.ts";
import { SharePayload } from "./share-payload.ts";
import { TransferManager } from "./transfer/transfer-manager.ts";
import { BLOCK_SIZE_BYTES } from "./types.ts";
import { NullWal } from "./wal/wal-api.ts";

const logger = pino({ level: "silent" });
const MiB = 1024 * 1024;
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function engine(store: MemoryBlockStore): SharePayload {
  const transfer = new TransferManager(2, logger);
  const e = new SharePayload({ name: "s", store, cache: new BlockCache(64 * MiB), transfer, logger });
  e.start(new NullWal());
  cleanups.push(async () => {
    await e.close();
    transfer.close();
  });
  return e;
}

function bytes(n: number, seed: number): Buffer {
  return randomFill(prng(seed), Buffer.allocUnsafe(n));
}

describe("readParts", () => {
  it("serves a cached single-block range without a microtask hop", async () => {
    const eng = engine(new MemoryBlockStore());
    const data = bytes(64 * 1024, 1);
    await eng.writeAt("f", 0, data, "unstable");
    const read = eng.readParts("f", 4096, 4096);
    expect(await settledInOneTick(read)).toBe(true);
    expect(Buffer.concat(await read).equals(data.subarray(4096, 8192))).toBe(true);
    expect(eng.payloads.get("f")?.pins).toBe(0);
    // Errors still arrive as rejections, never as throws.
    const bad = eng.readParts("f", -1, 10);
    expect(await settledInOneTick(bad)).toBe(true);
    await expect(bad).rejects.toMatchObject({ code: "EINVAL" });
  });

  it("downloads missing blocks and spans blocks on the asynchronous path, unpinned after", async () => {
    const store = new MemoryBlockStore();
    const data = bytes(BLOCK_SIZE_BYTES + 8192, 2);
    await store.put(blockKey("g", 0), data.subarray(0, BLOCK_SIZE_BYTES));
    await store.put(blockKey("g", 1), data.subarray(BLOCK_SIZE_BYTES));
    const eng = engine(store);
    const one = eng.readParts("g", 100, 4096);
    expect(await settledInOneTick(one)).toBe(false);
    expect(Buffer.concat(await one).equals(data.subarray(100, 4196))).toBe(true);
    expect(eng.payloads.get("g")?.pins ?? 0).toBe(0);
    const span = eng.readParts("g", BLOCK_SIZE_BYTES - 10, 20);
    expect(
      Buffer.concat(await span).equals(data.subarray(BLOCK_SIZE_BYTES - 10, BLOCK_SIZE_BYTES + 10)),
    ).toBe(true);
    expect(eng.payloads.get("g")?.pins ?? 0).toBe(0);
    // Now cached: the same block reads synchronously.
    expect(await settledInOneTick(eng.readParts("g", 0, 10))).toBe(true);
  });
});

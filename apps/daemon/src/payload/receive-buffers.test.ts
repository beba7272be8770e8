/**
 * Received WRITE frames reused through the pool (domain/buffer-pool.ts, docs/payload.md "Receive
 * buffers"): a steady stream of block-sized writes through a full cache reuses the memory the
 * cache let go of instead of allocating per frame, and memory that anything outside the cache
 * still reads (READ views, a copy made by reading, the memory store's parts) is never reused.
 * The pool poisons memory it gets back, so a view that should have kept it reads garbage.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { BufferPool, receivePoolFor } from "../domain/buffer-pool.ts";
import { prng, randomFill } from "../domain/testing/prng.ts";
import { FsBlockStore } from "./block-store/fs.ts";
import { MemoryBlockStore } from "./block-store/memory.ts";
import { DefaultPayloadService } from "./service.ts";
import { writeFrame } from "./testing/frames.ts";
import type { BlockStore } from "./types.ts";

const MiB = 1024 * 1024;
const S = "/rx";
let dir: string;
const services: DefaultPayloadService[] = [];

async function open(store: BlockStore, cacheMiB: number): Promise<DefaultPayloadService> {
  const svc = new DefaultPayloadService({
    logger: pino({ level: "silent" }),
    cacheSizeBytes: cacheMiB * MiB,
    walDir: path.join(dir, "wal"),
    transferConcurrency: 2,
    idleUploadMs: 50,
  });
  services.push(svc);
  await svc.addShare(S, store);
  return svc;
}

const fsStore = async () => new FsBlockStore(path.join(dir, "blocks")).open();
async function keys(store: BlockStore, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const k of store.list(prefix)) out.push(k);
  return out;
}

const bytes = (n: number, seed: number) => randomFill(prng(seed), Buffer.allocUnsafe(n));

/** `mib` MiB of `seed`'s bytes written to `id` in 1 MiB frames from `pool`, from offset `at`. */
async function stream(
  svc: DefaultPayloadService,
  pool: BufferPool,
  id: string,
  data: Buffer,
  at = 0,
): Promise<void> {
  for (let off = 0; off < data.length; off += MiB)
    await writeFrame(svc, pool, S, id, at + off, data.subarray(off, off + MiB));
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "dittofs-rx-"));
});
afterEach(async () => {
  for (const s of services.splice(0)) await s.close();
  await rm(dir, { recursive: true, force: true });
});

describe("received frames through the payload cache", () => {
  it("a stream through a full cache reuses the frames the cache let go of (write-once and journaled)", async () => {
    const svc = await open(await fsStore(), 16);
    for (const [id, journaled] of [
      ["new", false],
      ["old", true],
    ] as const) {
      const pool = new BufferPool(undefined, true);
      if (journaled)
        await svc.truncate(S, id, 0); // a record names it: its writes go to the WAL
      else svc.created(S, id); // a new file: write-once, staged by write-behind
      const data = bytes(96 * MiB, journaled ? 2 : 1);
      await stream(svc, pool, id, data);
      await svc.commit(S, id);
      const c = pool.counters;
      // The cache holds 16 MiB; beyond that (and the frames in flight) memory comes back.
      expect(c.allocated, `${id}: allocated`).toBeLessThan(40);
      expect(c.reused, `${id}: reused`).toBeGreaterThan(56);
      expect(c.overReleased).toBe(0);
      for (let off = 0; off < data.length; off += 32 * MiB) {
        const got = await svc.readAt(S, id, off, 32 * MiB);
        expect(got.equals(data.subarray(off, off + 32 * MiB)), `${id}: read back at ${off}`).toBe(true);
      }
    }
    expect(svc.stats().wal?.records).toBeGreaterThan(0);
  }, 60_000);

  it("a file deleted from a cache with room hands its frames to the next file's writes", async () => {
    // The bench's put, get, delete, put: with 32 MiB of free memory kept at most, the second file
    // got new memory for all but 32 of its frames (V8 collections and page faults per frame).
    const svc = await open(await fsStore(), 128);
    const pool = receivePoolFor(svc);
    svc.created(S, "a");
    await stream(svc, pool, "a", bytes(64 * MiB, 7));
    await svc.commit(S, "a");
    await svc.delete(S, "a");
    svc.created(S, "b");
    const b = bytes(64 * MiB, 8);
    await stream(svc, pool, "b", b);
    await svc.commit(S, "b");
    expect(pool.counters.reused).toBeGreaterThan(56); // before: 32
    expect(pool.counters.allocated).toBeLessThan(72); // before: 96
    expect(pool.counters.overReleased).toBe(0);
    expect((await svc.readAt(S, "b", 0, b.length)).equals(b)).toBe(true);
  }, 60_000);

  it("memory a READ view or a copy still holds is never reused while new frames keep arriving", async () => {
    const svc = await open(await fsStore(), 12);
    const pool = new BufferPool(undefined, true);
    svc.created(S, "a");
    const a = bytes(8 * MiB, 3);
    await stream(svc, pool, "a", a);
    // A READ reply's views (NFS/SMB READ send them by reference) and SMB copy-chunk's read.
    const views = await svc.readParts(S, "a", MiB - 100, 2 * MiB);
    expect(views.length).toBeGreaterThan(1); // views of the frames themselves, not one merged copy
    const copied = await svc.readAt(S, "a", 4 * MiB, MiB);
    await svc.writeAt(S, "copy", 0, copied);
    await svc.commit(S, "a");
    // More frames than the cache holds: the blocks of "a" are evicted and memory comes back.
    await stream(svc, pool, "b", bytes(48 * MiB, 4));
    expect(pool.counters.reused).toBeGreaterThan(16);
    expect(Buffer.concat(views).equals(a.subarray(MiB - 100, 3 * MiB - 100))).toBe(true);
    expect(copied.equals(a.subarray(4 * MiB, 5 * MiB))).toBe(true);
    expect((await svc.readAt(S, "copy", 0, MiB)).equals(a.subarray(4 * MiB, 5 * MiB))).toBe(true);
    expect((await svc.readAt(S, "a", 0, a.length)).equals(a)).toBe(true);
  }, 60_000);

  it("a store that keeps what it is given (memory) keeps its blocks while new frames arrive", async () => {
    const store = new MemoryBlockStore();
    const svc = await open(store, 8);
    const pool = new BufferPool(undefined, true);
    const a = bytes(8 * MiB, 5);
    await stream(svc, pool, "a", a); // whole blocks upload at once: putv keeps the frames
    await stream(svc, pool, "b", bytes(32 * MiB, 6)); // "a" is evicted from the cache
    const got = Buffer.concat([await store.get("a/chunk-0/block-0"), await store.get("a/chunk-0/block-1")]);
    expect(got.equals(a)).toBe(true);
    expect((await svc.readAt(S, "a", 0, a.length)).equals(a)).toBe(true);
  }, 60_000);

  it("the memory store gives a removed file's frames back: the next file reuses them", async () => {
    const store = new MemoryBlockStore();
    const svc = await open(store, 64);
    const pool = new BufferPool(undefined, true);
    const kept = bytes(4 * MiB, 7);
    await stream(svc, pool, "kept", kept);
    await stream(svc, pool, "gone", bytes(16 * MiB, 8));
    await svc.commit(S, "kept");
    await svc.commit(S, "gone");
    await svc.flushAll();
    // Every block in the store: putv keeps the frames the cache keeps too.
    await vi.waitFor(async () => expect(await keys(store, "")).toHaveLength(5), { timeout: 20_000 });
    expect(pool.counters.reused).toBe(0);
    await svc.delete(S, "gone");
    await vi.waitFor(async () => expect(await keys(store, "gone/")).toHaveLength(0), { timeout: 20_000 });
    // The store and the cache let go of the 16 frames of "gone": "next" takes them (none without
    // the store counting what it keeps: every frame it was given was marked escaped).
    const next = bytes(8 * MiB, 9);
    await stream(svc, pool, "next", next);
    expect(pool.counters.reused).toBe(8);
    expect(pool.counters.overReleased).toBe(0);
    // The pool poisons what comes back: the kept file and the new one read back intact.
    expect((await store.get("kept/chunk-0/block-0")).equals(kept)).toBe(true);
    expect((await svc.readAt(S, "kept", 0, kept.length)).equals(kept)).toBe(true);
    expect((await svc.readAt(S, "next", 0, next.length)).equals(next)).toBe(true);
  }, 60_000);
});

/**
 * Shared (scale-out) mode of the payload engine, in process: two DefaultPayloadService instances
 * ("daemons" A and B, each its own cache and WAL) over one block store and one block map.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { prng, randomFill } from "../../domain/testing/prng.ts";
import { MemoryBlockStore } from "../block-store/memory.ts";
import { DefaultPayloadService } from "../service.ts";
import { listKeys } from "../testing/wait.ts";
import { BLOCK_SIZE_BYTES } from "../types.ts";
import type { SharedContentStore } from "./block-map.ts";
import { MemoryBlockMap } from "./block-map.ts";
import { parseVersionedKey } from "./versions.ts";

const logger = pino({ level: "silent" });
const MiB = 1024 * 1024;
const S = "/shared";
let dir: string;
const services: DefaultPayloadService[] = [];

/** MemoryBlockMap as the metadata store's content side; sweeping is tested against PostgreSQL. */
function content(map: MemoryBlockMap): SharedContentStore {
  return Object.assign(map, {
    withSweepLock: async () => false,
    dropDeadPayloads: async () => 0,
    classify: async () => ({ known: new Set<string>(), referenced: new Set<string>() }),
    forgetDeadPayloads: async () => 0,
  });
}

async function daemon(name: string, store: MemoryBlockStore, map: SharedContentStore) {
  const svc = new DefaultPayloadService({
    logger,
    cacheSizeBytes: 64 * MiB,
    // A memory block store skips the WAL; the engine logic under test is the same.
    walDir: path.join(dir, name),
    transferConcurrency: 4,
    scaleout: { attrCacheMs: 60_000 },
  });
  services.push(svc);
  await svc.addShare(S, store, { shared: true, content: map });
  return svc;
}

function bytes(n: number, seed: number): Buffer {
  return randomFill(prng(seed), Buffer.allocUnsafe(n));
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "dittofs-shared-"));
});
afterEach(async () => {
  for (const s of services.splice(0)) await s.close();
  await rm(dir, { recursive: true, force: true });
});

describe("shared mode: versioned blocks and cache validation", () => {
  it("COMMIT puts every block under a new version and records it in the map", async () => {
    const store = new MemoryBlockStore();
    const map = new MemoryBlockMap();
    const a = await daemon("a", store, content(map));
    const data = bytes(BLOCK_SIZE_BYTES + 1000, 1);
    await a.writeAt(S, "f", 0, data);
    await a.commit(S, "f");
    const keys = (await listKeys(store)).map(parseVersionedKey);
    expect(keys.every((k) => k !== null)).toBe(true);
    expect(map.referenced().sort()).toEqual(keys.map((k) => `f:${k!.block}:${k!.version}`).sort());
    await a.writeAt(S, "f", 10, Buffer.from("again"));
    await a.commit(S, "f");
    // The old version of block 0 stays in the store (the sweeper's job) but the map moved on.
    expect(await listKeys(store)).toHaveLength(3);
    expect(map.referenced()).toHaveLength(2);
    expect(await map.generation("f")).toBe(3n);
  });

  it("a file rewritten through B reads new through A after A validates (lookup), stale without", async () => {
    const store = new MemoryBlockStore();
    const map = content(new MemoryBlockMap());
    const [a, b] = [await daemon("a", store, map), await daemon("b", store, map)];
    const first = bytes(2 * BLOCK_SIZE_BYTES + 77, 2);
    await a.writeAt(S, "f", 0, first);
    await a.commit(S, "f");
    expect((await b.readAt(S, "f", 0, first.length)).equals(first)).toBe(true);
    expect((await a.readAt(S, "f", 0, first.length)).equals(first)).toBe(true); // cached in A
    const second = bytes(BLOCK_SIZE_BYTES + 5, 3);
    await b.writeAt(S, "f", BLOCK_SIZE_BYTES - 5, second);
    await b.commit(S, "f");
    const want = Buffer.from(first);
    second.copy(want, BLOCK_SIZE_BYTES - 5);
    // Without validation A still serves what it cached: the reason validate exists.
    expect((await a.readAt(S, "f", 0, want.length)).equals(first)).toBe(true);
    await a.validate(S, "f", "getattr"); // within attrCacheMs of nothing: checks (never checked yet)
    expect((await a.readAt(S, "f", 0, want.length)).equals(want)).toBe(true);
    // B rewrites again; GETATTR trusts A's recent check, LOOKUP always asks.
    const third = bytes(100, 4);
    await b.writeAt(S, "f", 0, third);
    await b.commit(S, "f");
    await a.validate(S, "f", "getattr");
    expect((await a.readAt(S, "f", 0, 100)).equals(want.subarray(0, 100))).toBe(true);
    await a.validate(S, "f", "lookup");
    expect((await a.readAt(S, "f", 0, 100)).equals(third)).toBe(true);
    expect((await a.readAt(S, "f", 100, 1000)).equals(want.subarray(100, 1100))).toBe(true);
  });

  it("A's dirty slices survive validation and are written over B's block, not over a stale one", async () => {
    const store = new MemoryBlockStore();
    const map = content(new MemoryBlockMap());
    const [a, b] = [await daemon("a", store, map), await daemon("b", store, map)];
    await a.writeAt(S, "f", 0, Buffer.alloc(1000, 1));
    await a.commit(S, "f");
    await a.readAt(S, "f", 0, 1000);
    await b.writeAt(S, "f", 500, Buffer.alloc(500, 2));
    await b.commit(S, "f");
    await a.writeAt(S, "f", 0, Buffer.alloc(10, 3));
    await a.validate(S, "f", "lookup");
    await a.commit(S, "f");
    const want = Buffer.concat([Buffer.alloc(10, 3), Buffer.alloc(490, 1), Buffer.alloc(500, 2)]);
    await b.validate(S, "f", "lookup");
    expect((await b.readAt(S, "f", 0, 1000)).equals(want)).toBe(true);
  });

  it("A and B writing different blocks of one file at once: after both COMMITs each reads both", async () => {
    const store = new MemoryBlockStore();
    const map = content(new MemoryBlockMap());
    const [a, b] = [await daemon("a", store, map), await daemon("b", store, map)];
    const [x, y] = [bytes(BLOCK_SIZE_BYTES, 6), bytes(BLOCK_SIZE_BYTES / 2, 7)];
    // Both had the (empty) file cached before: validation must pick up the other's block.
    await Promise.all([a.readAt(S, "f", 0, 2 * BLOCK_SIZE_BYTES), b.readAt(S, "f", 0, 2 * BLOCK_SIZE_BYTES)]);
    await Promise.all([
      a.writeAt(S, "f", 0, x).then(() => a.commit(S, "f")),
      b.writeAt(S, "f", BLOCK_SIZE_BYTES, y).then(() => b.commit(S, "f")),
    ]);
    const want = Buffer.concat([x, y]);
    for (const d of [a, b]) {
      await d.validate(S, "f", "lookup");
      expect((await d.readAt(S, "f", 0, want.length)).equals(want)).toBe(true);
    }
  });

  it("truncate and delete change only the map; reads after them see holes, keys stay for the sweeper", async () => {
    const store = new MemoryBlockStore();
    const map = new MemoryBlockMap();
    const [a, b] = [await daemon("a", store, content(map)), await daemon("b", store, content(map))];
    await a.writeAt(S, "f", 0, bytes(3 * BLOCK_SIZE_BYTES, 5));
    await a.commit(S, "f");
    const stored = (await listKeys(store)).length;
    await a.truncate(S, "f", BLOCK_SIZE_BYTES);
    expect(map.referenced()).toHaveLength(1);
    expect((await b.readAt(S, "f", BLOCK_SIZE_BYTES, 100)).every((x) => x === 0)).toBe(true);
    await a.delete(S, "f");
    await a.commit(S, "f");
    expect(map.referenced()).toHaveLength(0);
    expect(await listKeys(store)).toHaveLength(stored);
  });

  it("a version swept between B's map read and its GET is fetched again under the new version", async () => {
    const store = new MemoryBlockStore();
    const map = content(new MemoryBlockMap());
    const [a, b] = [await daemon("a", store, map), await daemon("b", store, map)];
    await a.writeAt(S, "f", 0, Buffer.alloc(100, 1));
    await a.commit(S, "f");
    const old = await listKeys(store);
    await a.writeAt(S, "f", 0, Buffer.alloc(100, 2));
    await a.commit(S, "f");
    for (const k of old) await store.delete(k);
    expect((await b.readAt(S, "f", 0, 100)).equals(Buffer.alloc(100, 2))).toBe(true);
    // The committed version itself gone: EIO, never zeros.
    for (const k of await listKeys(store)) await store.delete(k);
    await expect(b.readAt(S, "g", 0, 10)).resolves.toHaveLength(10);
    await a.writeAt(S, "h", 0, Buffer.alloc(10, 9));
    await a.commit(S, "h");
    for (const k of await listKeys(store)) await store.delete(k);
    await expect(b.readAt(S, "h", 0, 10)).rejects.toMatchObject({ code: "EIO" });
  });
});

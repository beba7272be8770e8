import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { prng, randomFill } from "../domain/testing/prng.ts";
import { FsBlockStore } from "./block-store/fs.ts";
import { MemoryBlockStore } from "./block-store/memory.ts";
import { DefaultPayloadService } from "./service.ts";
import { FaultyBlockStore } from "./testing/faulty-store.ts";
import { listKeys, waitFor } from "./testing/wait.ts";
import { BLOCK_SIZE_BYTES, CHUNK_SIZE_BYTES } from "./types.ts";

const logger = pino({ level: "silent" });
const MiB = 1024 * 1024;
const S = "/export";
let dir: string;
const services: DefaultPayloadService[] = [];

function service(
  opts: Partial<ConstructorParameters<typeof DefaultPayloadService>[0]> = {},
): DefaultPayloadService {
  const s = new DefaultPayloadService({
    logger,
    cacheSizeBytes: 64 * MiB,
    walDir: path.join(dir, "wal"),
    transferConcurrency: 4,
    idleUploadMs: 100,
    ...opts,
  });
  services.push(s);
  return s;
}

function bytes(n: number, seed: number): Buffer {
  return randomFill(prng(seed), Buffer.allocUnsafe(n));
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "dittofs-payload-"));
});
afterEach(async () => {
  for (const s of services.splice(0)) await s.close();
  await rm(dir, { recursive: true, force: true });
});

describe("DefaultPayloadService", () => {
  it("reads back writes across block and chunk boundaries, holes as zeros", async () => {
    const svc = service();
    const store = new MemoryBlockStore();
    await svc.addShare(S, store);
    const a = bytes(3 * MiB, 1);
    const at = CHUNK_SIZE_BYTES - MiB - 5; // straddles blocks 15/16 and chunks 0/1
    await svc.writeAt(S, "f1", at, a);
    const got = await svc.readAt(S, "f1", at - 100, a.length + 200);
    expect(got.subarray(0, 100).every((b) => b === 0)).toBe(true);
    expect(got.subarray(100, 100 + a.length).equals(a)).toBe(true);
    expect(got.subarray(100 + a.length).every((b) => b === 0)).toBe(true);
    await svc.commit(S, "f1");
    await waitFor(() => svc.stats().cache.dirtyBytes + svc.stats().cache.uploadingBytes === 0, "uploads");
    expect(await listKeys(store)).toEqual(["f1/chunk-0/block-15", "f1/chunk-1/block-0"]);
  });

  it("uploads complete blocks eagerly, before any commit", async () => {
    const svc = service();
    const store = new MemoryBlockStore();
    await svc.addShare(S, store);
    await svc.writeAt(S, "f", 0, bytes(BLOCK_SIZE_BYTES + 10, 2));
    await waitFor(async () => (await listKeys(store)).length === 1, "eager upload");
    expect(await listKeys(store)).toEqual(["f/chunk-0/block-0"]);
  });

  it("truncate down discards data in cache and block store; truncate up reads as a hole", async () => {
    const svc = service();
    const store = new FsBlockStore(path.join(dir, "blocks"));
    await store.open();
    await svc.addShare(S, store);
    const a = bytes(10 * MiB, 3);
    await svc.writeAt(S, "t", 0, a);
    await svc.commit(S, "t");
    await waitFor(async () => (await listKeys(store)).length === 3, "three blocks stored");
    await svc.truncate(S, "t", 5 * MiB + 7);
    await svc.truncate(S, "t", 9 * MiB);
    const got = await svc.readAt(S, "t", 0, 9 * MiB);
    expect(got.subarray(0, 5 * MiB + 7).equals(a.subarray(0, 5 * MiB + 7))).toBe(true);
    expect(got.subarray(5 * MiB + 7).every((b) => b === 0)).toBe(true);
    await waitFor(async () => (await listKeys(store)).length === 2, "block 2 collected");
    await waitFor(() => svc.stats().cache.dirtyBytes + svc.stats().cache.uploadingBytes === 0, "rewrite");
    // A fresh service (cold cache) sees the same bytes from the block store alone.
    await svc.close();
    const cold = service();
    await cold.addShare(S, store);
    const again = await cold.readAt(S, "t", 0, 9 * MiB);
    expect(again.equals(got)).toBe(true);
    await waitFor(
      () => cold.stats().cache.dirtyBytes + cold.stats().cache.uploadingBytes === 0,
      "cold uploads",
    );
    expect((await store.get("t/chunk-0/block-1")).length).toBe(MiB + 7);
  });

  it("delete drops the payload's blocks from the store (async, idempotent)", async () => {
    const svc = service();
    const store = new MemoryBlockStore();
    await svc.addShare(S, store);
    await svc.writeAt(S, "d", 0, bytes(9 * MiB, 4));
    await svc.writeAt(S, "keep", 0, bytes(100, 5));
    await svc.flushAll();
    await waitFor(async () => (await listKeys(store)).length === 4, "uploads");
    await svc.delete(S, "d");
    await svc.delete(S, "d");
    await waitFor(async () => (await listKeys(store)).length === 1, "gc");
    expect(await listKeys(store)).toEqual(["keep/chunk-0/block-0"]);
  });

  it("GC of a new file deletes the blocks it put by key; only a file from before lists the store", async () => {
    const svc = service({ idleUploadMs: 60_000 });
    const store = new FaultyBlockStore(new MemoryBlockStore());
    await svc.addShare(S, store);
    svc.created(S, "empty"); // created and removed before any write
    svc.created(S, "small"); // a small file that lives in the cache only
    await svc.writeAt(S, "small", 0, bytes(4096, 6));
    svc.created(S, "cut");
    await svc.writeAt(S, "cut", 0, bytes(8192, 7));
    await svc.truncate(S, "cut", 100);
    await svc.delete(S, "empty");
    await svc.delete(S, "small");
    svc.created(S, "stored"); // new, one block put: deleted by its key
    await svc.writeAt(S, "stored", 0, bytes(4 * MiB, 8));
    // Not announced as new (a file from before this run): the store may hold any of its blocks.
    await svc.writeAt(S, "old", 0, bytes(4 * MiB, 9));
    const uploaded = async () => (await listKeys(store.inner)).filter((k) => !k.startsWith("cut/")).join();
    await waitFor(async () => (await uploaded()) === "old/chunk-0/block-0,stored/chunk-0/block-0", "uploads");
    await svc.delete(S, "stored");
    await svc.delete(S, "old");
    await waitFor(async () => (await uploaded()) === "", "gc of the stored files");
    expect(store.lists).toBe(1);
    expect(store.deletes).toBe(2);
    const cut = Buffer.concat([bytes(8192, 7).subarray(0, 100), Buffer.alloc(100)]);
    expect((await svc.readAt(S, "cut", 0, 200)).equals(cut)).toBe(true);
  });

  it("evicts clean data LRU-first when the cache is full and still reads everything back", async () => {
    const svc = service({ cacheSizeBytes: 8 * MiB });
    const store = new MemoryBlockStore();
    await svc.addShare(S, store);
    const a = bytes(24 * MiB, 6);
    for (let off = 0; off < a.length; off += MiB) await svc.writeAt(S, "e", off, a.subarray(off, off + MiB));
    await svc.commit(S, "e");
    await waitFor(() => svc.stats().cache.dirtyBytes + svc.stats().cache.uploadingBytes === 0, "uploads");
    const st = svc.stats().cache;
    expect(st.evictions).toBeGreaterThan(0);
    expect(st.cleanBytes).toBeLessThanOrEqual(8 * MiB);
    for (let off = 0; off < a.length; off += 3 * MiB) {
      expect((await svc.readAt(S, "e", off, 3 * MiB)).equals(a.subarray(off, off + 3 * MiB))).toBe(true);
    }
    expect(svc.stats().cache.misses).toBeGreaterThan(0);
    expect(svc.stats().transfer.downloadedBytes).toBeGreaterThan(0);
  });

  it("makes writers wait (no EIO) when the cache is full of dirty data, until uploads drain", async () => {
    const svc = service({ cacheSizeBytes: 8 * MiB });
    const store = new FaultyBlockStore(new MemoryBlockStore());
    await svc.addShare(S, store);
    store.hold();
    const a = bytes(16 * MiB, 7);
    let done = 0;
    const writes = [];
    for (let off = 0; off < a.length; off += MiB) {
      writes.push(svc.writeAt(S, "bp", off, a.subarray(off, off + MiB)).then(() => done++));
    }
    await waitFor(() => svc.stats().cache.uploadingBytes > 0, "uploads started");
    await new Promise((r) => setTimeout(r, 200));
    expect(done).toBeLessThan(16);
    expect(svc.stats().cache.dirtyBytes + svc.stats().cache.uploadingBytes).toBeLessThanOrEqual(8 * MiB);
    store.release();
    await Promise.all(writes);
    expect(done).toBe(16);
    expect((await svc.readAt(S, "bp", 0, 16 * MiB)).equals(a)).toBe(true);
  });

  it("prefetches the next blocks for a sequential reader", async () => {
    const store = new MemoryBlockStore();
    const a = bytes(16 * MiB, 8);
    for (let b = 0; b < 4; b++)
      await store.put(`s/chunk-0/block-${b}`, a.subarray(b * 4 * MiB, (b + 1) * 4 * MiB));
    const svc = service();
    await svc.addShare(S, store);
    await svc.readAt(S, "s", 0, MiB);
    await svc.readAt(S, "s", MiB, MiB);
    await waitFor(() => svc.stats().transfer.downloadedBytes >= 12 * MiB, "prefetch of blocks 1 and 2");
    const hitsBefore = svc.stats().cache.hits;
    expect((await svc.readAt(S, "s", 4 * MiB, 4 * MiB)).equals(a.subarray(4 * MiB, 8 * MiB))).toBe(true);
    expect(svc.stats().cache.hits).toBe(hitsBefore + 1);
  });

  it("replays the WAL at start: committed data that never reached the store survives a restart", async () => {
    const store = new FaultyBlockStore(new FsBlockStore(path.join(dir, "blocks")));
    await (store.inner as FsBlockStore).open();
    store.failPuts = true;
    const svc = service({ writeOnce: false });
    await svc.addShare(S, store);
    const a = bytes(6 * MiB + 3, 9);
    await svc.writeAt(S, "w", 1000, a);
    await svc.commit(S, "w");
    expect(svc.stats().wal?.fsyncs).toBeGreaterThan(0);
    await svc.close();
    store.failPuts = false;
    const again = service();
    await again.addShare(S, store);
    expect((await again.readAt(S, "w", 1000, a.length)).equals(a)).toBe(true);
    await waitFor(
      () => again.stats().cache.dirtyBytes + again.stats().cache.uploadingBytes === 0,
      "replayed uploads",
    );
    await waitFor(async () => (again.stats().wal?.segments ?? 9) <= 2, "wal reclaimed");
    expect(await listKeys(store)).toEqual(["w/chunk-0/block-0", "w/chunk-0/block-1"]);
  });

  it("reclaims the WAL only behind a block-store flush (deferred puts are durable first)", async () => {
    const store = new FaultyBlockStore(await new FsBlockStore(path.join(dir, "blocks")).open());
    store.holdFlush();
    const svc = service({ writeOnce: false, walSegmentBytesMax: MiB });
    await svc.addShare(S, store);
    const a = bytes(6 * MiB, 11);
    for (let at = 0; at < a.length; at += MiB) await svc.writeAt(S, "r", at, a.subarray(at, at + MiB));
    await svc.commit(S, "r");
    await waitFor(() => svc.stats().cache.dirtyBytes + svc.stats().cache.uploadingBytes === 0, "uploads");
    const held = svc.stats().wal?.segments ?? 0;
    expect(held).toBeGreaterThan(2);
    // Several reclaim rounds (50 ms apart) pass: the records stay until the store has flushed.
    await new Promise((r) => setTimeout(r, 300));
    expect(svc.stats().wal?.segments).toBe(held);
    store.releaseFlush();
    await waitFor(() => (svc.stats().wal?.segments ?? 9) <= 2, "wal reclaimed after the flush");
    expect(store.flushes).toBeGreaterThan(0);
    expect((await svc.readAt(S, "r", 0, a.length)).equals(a)).toBe(true);
  });

  it("flushes the store only for a WAL reclaim that drops a segment: none while small files keep the segment", async () => {
    const store = new FaultyBlockStore(await new FsBlockStore(path.join(dir, "blocks")).open());
    const svc = service({ writeOnce: false });
    await svc.addShare(S, store);
    // 768 KiB of committed small files: each is put 50 ms after its COMMIT, and each put starts a
    // reclaim round, which can drop nothing (one segment, under the 1 MiB that rotates when clean).
    for (let i = 0; i < 12; i++) {
      await svc.writeAt(S, `s${i}`, 0, bytes(64 * 1024, 20 + i));
      await svc.commit(S, `s${i}`);
    }
    await waitFor(async () => (await listKeys(store)).length === 12, "small files stored");
    await new Promise((r) => setTimeout(r, 300)); // several reclaim rounds, 50 ms apart
    expect(store.flushes).toBe(0);
    // Past 1 MiB with everything stored: the reclaim rotates and drops the segment, behind a flush.
    await svc.writeAt(S, "last", 0, bytes(512 * 1024, 40));
    await svc.commit(S, "last");
    await waitFor(() => svc.stats().wal?.segments === 1 && svc.stats().wal?.bytes === 0, "wal reclaimed");
    expect(store.flushes).toBeGreaterThan(0);
  });

  it("reclaims the WAL after GC removes a chunk directory's last block and after a delete of a never-stored key", async () => {
    const root = path.join(dir, "blocks");
    const store = await new FsBlockStore(root).open();
    const svc = service({ writeOnce: false });
    await svc.addShare(S, store);
    // A sparse block cut to nothing before its first upload: the upload deletes a key whose
    // directory never existed.
    await svc.writeAt(S, "sparse", BLOCK_SIZE_BYTES + 100, bytes(4096, 12));
    await svc.truncate(S, "sparse", BLOCK_SIZE_BYTES + 50);
    await svc.commit(S, "sparse");
    // Stored blocks, then GC of them: the chunk directory's last block goes (the first block is a
    // shard file, the second one is in the payload's chunk directory: block-store/fs-layout.ts).
    await svc.writeAt(S, "f", 0, bytes(BLOCK_SIZE_BYTES + 2 * MiB, 13));
    await svc.commit(S, "f");
    await waitFor(async () => (await listKeys(store)).length === 2, "f stored");
    await svc.truncate(S, "f", 0);
    // Pruned with its directories (only the sparse file's never-stored key was ever elsewhere).
    // (The temp files' directory, the layout marker and the shards stay: block-store/fs.ts.)
    await waitFor(
      async () => (await readdir(root)).filter((n) => !n.startsWith(".") && !n.startsWith("_")).length === 0,
      "f collected, directories pruned",
    );
    expect(await listKeys(store)).toEqual([]);
    await waitFor(() => svc.stats().cache.dirtyBytes + svc.stats().cache.uploadingBytes === 0, "uploads");
    // Everything is in the store: the WAL rotates and drops the 2 MiB segment.
    await waitFor(() => svc.stats().wal?.segments === 1 && svc.stats().wal?.bytes === 0, "wal reclaimed");
    expect((await svc.readAt(S, "sparse", BLOCK_SIZE_BYTES, 100)).every((b) => b === 0)).toBe(true);
  });

  it("fs store: streamed 1 MiB writes are kept as written and uploaded as parts, then read from the cache", async () => {
    const store = new FaultyBlockStore(await new FsBlockStore(path.join(dir, "blocks")).open());
    // No idle upload: under load a block's first MiB could go alone before the next write (a 4th put).
    const svc = service({ idleUploadMs: 60_000 });
    await svc.addShare(S, store);
    const a = bytes(9 * MiB + 5, 14);
    const written: Buffer[] = [];
    for (let at = 0; at < a.length; at += MiB) {
      written.push(Buffer.from(a.subarray(at, at + MiB)));
      await svc.writeAt(S, "v", at, written.at(-1)!);
    }
    await svc.commit(S, "v");
    await waitFor(() => svc.stats().cache.dirtyBytes + svc.stats().cache.uploadingBytes === 0, "uploads");
    expect(store.puts).toBe(3);
    expect((await store.get("v/chunk-0/block-1")).equals(a.subarray(4 * MiB, 8 * MiB))).toBe(true);
    const gets = store.gets;
    expect((await svc.readAt(S, "v", 0, a.length)).equals(a)).toBe(true);
    expect(store.gets).toBe(gets); // the clean copy stayed in the cache
    // ... as the written buffers themselves: the upload merged no 4 MiB copy of them.
    expect((await svc.readAt(S, "v", 5 * MiB, MiB)).buffer).toBe(written[5]!.buffer);
  });

  it("routes by share and rejects unknown shares and bad input with FsError", async () => {
    const svc = service();
    await svc.addShare(S, new MemoryBlockStore());
    await expect(svc.readAt("/nope", "x", 0, 1)).rejects.toMatchObject({ code: "ESTALE" });
    await expect(svc.writeAt(S, "../x", 0, Buffer.from("a"))).rejects.toMatchObject({ code: "EINVAL" });
    await expect(svc.readAt(S, "x", -1, 1)).rejects.toMatchObject({ code: "EINVAL" });
    await expect(svc.writeAt(S, "x", 2 ** 52, Buffer.from("a"))).rejects.toMatchObject({ code: "EFBIG" });
    await expect(svc.addShare(S, new MemoryBlockStore())).rejects.toMatchObject({ code: "EEXIST" });
  });

  it("retries block GC until the store accepts the deletes", async () => {
    const svc = service();
    const store = new FaultyBlockStore(new MemoryBlockStore());
    await svc.addShare(S, store);
    await svc.writeAt(S, "g", 0, bytes(5 * MiB, 10));
    await svc.flushAll();
    await waitFor(async () => (await listKeys(store)).length === 2, "uploads");
    store.failDeletes = true;
    await svc.truncate(S, "g", 0);
    await waitFor(() => svc.stats().transfer.failures >= 2, "failed deletes");
    expect((await listKeys(store)).length).toBe(2);
    store.failDeletes = false;
    await waitFor(async () => (await listKeys(store)).length === 0, "gc after the store recovered");
  });

  it("serves a read miss while the upload lane is stuck (downloads go first)", async () => {
    const svc = service({ transferConcurrency: 2 });
    const store = new FaultyBlockStore(new MemoryBlockStore());
    const other = bytes(MiB, 11);
    await store.inner.put("other/chunk-0/block-0", other);
    await svc.addShare(S, store);
    store.hold();
    await svc.writeAt(S, "big", 0, bytes(4 * BLOCK_SIZE_BYTES, 12));
    await waitFor(() => svc.stats().transfer.uploadsInFlight === 2, "upload lane full");
    expect(svc.stats().transfer.queueDepth).toBeGreaterThan(0);
    expect((await svc.readAt(S, "other", 0, MiB)).equals(other)).toBe(true);
    store.release();
  });

  it("FILE_SYNC and DATA_SYNC writes are durable (fdatasync done) when they return", async () => {
    const svc = service({ writeOnce: false });
    const store = await new FsBlockStore(path.join(dir, "blocks")).open();
    await svc.addShare(S, store);
    await svc.writeAt(S, "u", 0, bytes(100, 13));
    const before = svc.stats().wal!.fsyncs;
    expect(before).toBe(0);
    await svc.writeAt(S, "u", 100, bytes(100, 14), "file_sync");
    expect(svc.stats().wal!.fsyncs).toBe(1);
    await svc.writeAt(S, "u", 200, bytes(100, 15), "data_sync");
    expect(svc.stats().wal!.fsyncs).toBe(2);
    expect(svc.stats().wal!.records).toBe(3);
  });

  it("shared mode: COMMIT returns with the blocks in the store; invalidate refetches another daemon's rewrite", async () => {
    const store = new MemoryBlockStore();
    const a = service();
    const b = service({ walDir: path.join(dir, "wal-b") });
    await a.addShare(S, store, { shared: true });
    await b.addShare(S, store, { shared: true });
    const v1 = bytes(5 * MiB + 3, 20);
    await a.writeAt(S, "co", 0, v1);
    await a.commit(S, "co");
    // No waiting: the commit itself waited for the uploads (close-to-open).
    expect(await listKeys(store)).toEqual(["co/chunk-0/block-0", "co/chunk-0/block-1"]);
    expect((await b.readAt(S, "co", 0, v1.length)).equals(v1)).toBe(true);
    const v2 = bytes(5 * MiB + 3, 21);
    await a.writeAt(S, "co", 0, v2);
    await a.commit(S, "co");
    expect((await b.readAt(S, "co", 0, v2.length)).equals(v1)).toBe(true); // B's cache, until told
    b.invalidate(S, "co");
    expect((await b.readAt(S, "co", 0, v2.length)).equals(v2)).toBe(true);
  });
});

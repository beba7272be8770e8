/**
 * Write-once on fs stores (write-once.ts): a payload no replayable WAL record names is written to
 * the cache only and put by its COMMIT; after a truncate or delete it is journaled until the WAL
 * has dropped that record. The SIGKILL side is in crash.test.ts.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FsError } from "../domain/errors.ts";
import { prng, randomFill } from "../domain/testing/prng.ts";
import { fsKeyPath } from "./block-store/fs-layout.ts";
import type { DefaultPayloadService } from "./service.ts";
import type { FaultyBlockStore } from "./testing/faulty-store.ts";
import { openFsService } from "./testing/fs-service.ts";
import { listKeys, waitFor } from "./testing/wait.ts";

const MiB = 1024 * 1024;
const S = "/wo";
let dir: string;
const services: DefaultPayloadService[] = [];

async function open(): Promise<{ svc: DefaultPayloadService; store: FaultyBlockStore }> {
  return openOn(path.join(dir, "wal"));
}

/** A second service on the same WAL directory and block store stands for a restart after a crash. */
async function openOn(
  walDir: string,
  cacheSizeBytes = 64 * MiB,
): Promise<{ svc: DefaultPayloadService; store: FaultyBlockStore }> {
  const opened = await openFsService(dir, S, walDir, cacheSizeBytes);
  services.push(opened.svc);
  return opened;
}

const bytes = (n: number, seed: number) => randomFill(prng(seed), Buffer.allocUnsafe(n));

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "dittofs-write-once-"));
});
afterEach(async () => {
  for (const s of services.splice(0)) await s.close();
  await rm(dir, { recursive: true, force: true });
});

describe("write-once on an fs store", () => {
  it("a graceful stop stores uncommitted write-once blocks (a restart reads them back)", async () => {
    // Found by service.model.test.ts (seed 1002): close() dropped a new file's cached blocks
    // that no COMMIT had stored yet and no WAL record named, so a clean restart read zeros.
    const { svc } = await open();
    svc.created(S, "n");
    const a = bytes(4 * MiB + 300, 7); // a whole block (write-behind stages it) and a partial one
    await svc.writeAt(S, "n", 0, a);
    expect(svc.stats().wal?.records).toBe(0);
    await svc.close();
    const again = await open();
    expect((await again.svc.readAt(S, "n", 0, a.length)).equals(a)).toBe(true);
  });

  it("a new payload's writes get no WAL record; COMMIT returns with its blocks stored and flushed", async () => {
    const { svc, store } = await open();
    svc.created(S, "n"); // a new file: its blocks are known to be empty in the store
    const a = bytes(MiB + 100, 1);
    await svc.writeAt(S, "n", 4 * MiB - 50, a); // the tail of block 0 and the head of block 1
    expect(await listKeys(store)).toEqual([]);
    const flushes = store.flushes;
    await svc.commit(S, "n");
    expect(await listKeys(store)).toEqual(["n/chunk-0/block-0", "n/chunk-0/block-1"]);
    expect(store.flushes).toBeGreaterThan(flushes);
    expect((await store.inner.get("n/chunk-0/block-1")).equals(a.subarray(50))).toBe(true);
    expect(svc.stats().wal?.records).toBe(0);
    expect(svc.stats().wal?.fsyncs).toBe(0);
    // A FILE_SYNC write of a few bytes to a new file is journaled instead (one shared WAL
    // fdatasync, no put). Another new file than the one committed: the COMMIT's debounced upload
    // of "n" fires at a time a loaded machine decides, and it would put a block written to "n" now.
    svc.created(S, "m");
    const b = bytes(4096, 2);
    const puts = store.puts;
    await svc.writeAt(S, "m", 9 * MiB, b, "file_sync");
    expect(store.puts).toBe(puts);
    expect(svc.stats().wal?.records).toBe(1);
    expect(svc.stats().wal?.fsyncs).toBe(1);
    expect((await svc.readAt(S, "m", 9 * MiB, 4096)).equals(b)).toBe(true);
  });

  it("a new file bigger than the cache stays write-once after its first blocks are evicted", async () => {
    const { svc, store } = await openOn(path.join(dir, "wal"), 12 * MiB);
    svc.created(S, "big");
    const frames = Array.from({ length: 32 }, (_, i) => bytes(MiB, 40 + i));
    for (const [i, f] of frames.entries()) await svc.writeAt(S, "big", i * MiB, f);
    await svc.commit(S, "big");
    expect(svc.stats().cache.evictions).toBeGreaterThan(0);
    // Eviction used to end the file's "known empty in the store" state: every later block was
    // journaled (a second write of each byte) and downloaded (a failed get) before its first write.
    expect(svc.stats().wal?.records).toBe(0);
    expect(store.publishes).toBe(8);
    expect((await svc.readAt(S, "big", 0, 32 * MiB)).equals(Buffer.concat(frames))).toBe(true);
  });

  it("after a truncate the payload is journaled until the WAL has dropped the record", async () => {
    const { svc } = await open();
    svc.created(S, "t");
    await svc.truncate(S, "t", 0);
    const records = svc.stats().wal!.records;
    // Journaled: a replay of the truncate must never cut bytes a later put stored.
    await svc.writeAt(S, "t", 0, bytes(2 * MiB, 3));
    const journaled = svc.stats().wal!.records;
    expect(journaled).toBeGreaterThan(records);
    await svc.commit(S, "t");
    // Everything uploads, the WAL rotates past 1 MiB and drops the old segment.
    await waitFor(
      () => svc.stats().wal?.segments === 1 && svc.stats().wal?.bytes === 0,
      "the truncate's segment reclaimed",
    );
    const again = bytes(512 * 1024, 4); // more than a COMMIT journals: it puts
    await svc.writeAt(S, "t", 5 * MiB, again); // block 1: never stored, still known empty
    expect(svc.stats().wal!.records).toBe(journaled);
    await svc.commit(S, "t");
    expect(svc.stats().wal!.records).toBe(journaled);
    expect((await svc.readAt(S, "t", 5 * MiB, again.length)).equals(again)).toBe(true);
    // A rewrite of a stored block is journaled (a COMMIT would rewrite 4 MiB for 4 KiB).
    await svc.writeAt(S, "t", 4096, again.subarray(0, 4096));
    expect(svc.stats().wal!.records).toBe(journaled + 1);
  });

  it("a truncate replayed after a crash never cuts bytes a later COMMIT stored", async () => {
    const { svc, store } = await open();
    svc.created(S, "h");
    await svc.truncate(S, "h", 0);
    const a = bytes(4096, 5);
    await svc.writeAt(S, "h", 0, a);
    await svc.commit(S, "h");
    // The crash: nothing of the first daemon moves on (no put, no flush, so no WAL reclaim).
    store.hold();
    store.holdFlush();
    const { svc: again } = await openOn(path.join(dir, "wal"));
    expect((await again.readAt(S, "h", 0, 4096)).equals(a)).toBe(true);
    store.release();
    store.releaseFlush();
  });

  it("a COMMIT whose puts keep failing returns EIO and keeps the data for a later COMMIT", async () => {
    const { svc, store } = await open();
    svc.created(S, "full");
    const a = bytes(MiB + 100, 6); // more than a COMMIT journals: it puts
    await svc.writeAt(S, "full", 0, a);
    // A real failing store: a regular file where the block's directory goes (rename: ENOTDIR).
    const blocker = path.dirname(fsKeyPath(path.join(dir, "blocks"), 2, "full/chunk-0/block-0"));
    await writeFile(blocker, "not a directory");
    const err = await svc.commit(S, "full").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FsError);
    expect((err as FsError).code).toBe("EIO");
    expect(svc.stats().wal?.records).toBe(0);
    expect((await svc.readAt(S, "full", 0, a.length)).equals(a)).toBe(true);
    // The disk is mended: the next COMMIT stores what the failed one could not.
    await rm(blocker);
    await svc.commit(S, "full");
    expect(await listKeys(store)).toEqual(["full/chunk-0/block-0"]);
    expect((await store.inner.get("full/chunk-0/block-0")).equals(a)).toBe(true);
  });
});

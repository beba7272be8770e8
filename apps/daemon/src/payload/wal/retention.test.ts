/**
 * WAL reclaim against writes that race it: a write in flight when a clean segment could rotate,
 * and a write appended while the reclaim waits for the block store's flush.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MemoryBlockStore } from "../block-store/memory.ts";
import { BlockCache } from "../cache/cache.ts";
import { SharePayload } from "../share-payload.ts";
import { FaultyBlockStore } from "../testing/faulty-store.ts";
import { waitFor } from "../testing/wait.ts";
import { TransferManager } from "../transfer/transfer-manager.ts";
import { RecordKind } from "./format.ts";
import { reclaimWal } from "./retention.ts";
import { FileWal } from "./wal.ts";

const logger = pino({ level: "silent" });
const MiB = 1024 * 1024;
/** A payload the engine never saw: its records are dead as soon as they are written. */
const deadId = Buffer.from("gone", "latin1");
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "dittofs-retention-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function openWal(replay: Parameters<typeof FileWal.open>[0]["replay"] = () => {}): Promise<FileWal> {
  return FileWal.open({ dir, logger, segmentBytesMax: 64 * MiB, replay });
}

describe("WAL reclaim", () => {
  it("rotates a clean segment once the write in flight is written, instead of skipping it", async () => {
    const wal = await openWal();
    await wal.append(RecordKind.WRITE, deadId, 0, Buffer.alloc(MiB + 1, 1));
    // In flight when the reclaim looks: before, the rotation was skipped and the clean 1 MiB
    // segment stayed until some later upload asked for another reclaim.
    const inFlight = wal.append(RecordKind.WRITE, deadId, 0, Buffer.alloc(10, 2));
    await wal.reclaim(Number.POSITIVE_INFINITY);
    await inFlight;
    expect(wal.counters()).toMatchObject({ segments: 1, bytes: 0 });
    expect(wal.reclaimedSeq).toBe(wal.lastSeq);
    await wal.close();
  });

  function engineOn(): { engine: SharePayload; store: FaultyBlockStore; transfer: TransferManager } {
    const store = new FaultyBlockStore(new MemoryBlockStore());
    const transfer = new TransferManager(2, logger);
    const cache = new BlockCache(16 * MiB);
    const engine = new SharePayload({ name: "s", store, cache, transfer, logger, writeOnce: false });
    return { engine, store, transfer };
  }

  it("asks for another round when records appended during the flush kept it from rotating", async () => {
    const { engine, store, transfer } = engineOn();
    try {
      const wal = await openWal();
      engine.start(wal);
      await sleep(100); // past the reclaim round start() asks for: nothing else will come
      await wal.append(RecordKind.WRITE, deadId, 0, Buffer.alloc(MiB + 1, 1));
      store.holdFlush();
      const reclaim = reclaimWal(engine);
      await wal.append(RecordKind.WRITE, deadId, 0, Buffer.alloc(10, 2)); // newer than its answer
      store.releaseFlush();
      await reclaim;
      // Dead as well, but only a new round may say so: before, none came and the segment stayed.
      await waitFor(() => wal.counters().bytes === 0, "clean segment reclaimed");
      expect(wal.counters().segments).toBe(1);
    } finally {
      store.releaseFlush();
      await engine.close().catch(() => {});
      transfer.close();
    }
  });

  it("never reclaims a write appended while the store flush runs", async () => {
    const { engine, store, transfer } = engineOn();
    try {
      const wal = await openWal();
      engine.start(wal);
      // A clean segment past the rotation size: the reclaim will want to rotate and drop it.
      await wal.append(RecordKind.WRITE, deadId, 0, Buffer.alloc(MiB + 1, 1));
      store.hold(); // the write below stays dirty: only the WAL has it
      store.holdFlush();
      const reclaim = reclaimWal(engine);
      await engine.writeAt("f", 0, Buffer.alloc(4096, 7), "unstable");
      const seq = wal.lastSeq;
      store.releaseFlush();
      await reclaim;
      // Before, the reclaim counted every record up to its own start dead (minLiveSeq was +Inf
      // when it began), rotated, and deleted the segment holding the dirty write.
      expect(wal.reclaimedSeq).toBeLessThan(seq);
      // And a restart after a crash now (the WAL synced, the block never put) replays it.
      await wal.sync();
      const replayed: number[] = [];
      const again = await openWal((r) => {
        if (r.payloadId === "f") replayed.push(r.data.length);
      });
      await again.close();
      expect(replayed).toEqual([4096]);
    } finally {
      store.release();
      store.releaseFlush();
      await engine.close().catch(() => {});
      transfer.close();
    }
  });
});

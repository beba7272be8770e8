/**
 * Background uploads pace themselves by the requests (transfer/pacer.ts, issue 19): an upload whose
 * bytes are already safe waits while requests arrive, until they pause or for at most the pacer's
 * delayMaxMs, and goes at once when something needs it (cache pressure, a COMMIT waiting). Fake
 * timers and an injected request counter: no timed assertions.
 */
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { RequestActivity } from "../domain/activity.ts";
import { MemoryBlockStore } from "./block-store/memory.ts";
import { BlockCache } from "./cache/cache.ts";
import { SharePayload } from "./share-payload.ts";
import { PACE_WAL_SEGMENTS_MAX, Pacer } from "./transfer/pacer.ts";
import { TransferManager } from "./transfer/transfer-manager.ts";
import { NullWal, type Wal } from "./wal/wal-api.ts";

const logger = pino({ level: "silent" });
const MiB = 1024 * 1024;
const BLOCK = 4 * MiB;
const DELAY_MAX_MS = 2_000;
const IDLE_MS = 100;

interface Rig {
  engine: SharePayload;
  transfer: TransferManager;
  activity: RequestActivity;
}

let rigs: Rig[] = [];

/** A WAL with one reclaim round due (wal/retention.ts reclaimWal), counting the rounds run. */
class ReclaimOnceWal extends NullWal {
  due = true;
  reclaims = 0;
  override reclaimable(): boolean {
    return this.due;
  }
  override async reclaim(): Promise<void> {
    this.due = false;
    this.reclaims++;
  }
}

/** A WAL holding more segments than deferred work may leave in it. */
function fullWal(): Wal {
  const wal: Wal = new NullWal();
  const segments = PACE_WAL_SEGMENTS_MAX + 1;
  const stats = { bytes: segments * 64 * MiB, segments, records: 0, fsyncs: 0 };
  wal.counters = () => ({ ...stats, fsyncLatencyMsP50: 0, fsyncLatencyMsP99: 0 });
  return wal;
}

function rig(cacheBytes: number, shared = false, local = false, wal: Wal = new NullWal()): Rig {
  const activity: RequestActivity = { calls: 0 };
  const transfer = new TransferManager(2, logger, new Pacer({ activity, delayMaxMs: DELAY_MAX_MS }));
  const store = new MemoryBlockStore();
  // Taken for a local store: write-once (write-once.ts) applies to "fs" stores only.
  if (local) Object.defineProperty(store, "type", { value: "fs" });
  const cache = new BlockCache(cacheBytes);
  const engine = new SharePayload({
    name: "s",
    store,
    cache,
    transfer,
    logger,
    shared,
    idleUploadMs: IDLE_MS,
  });
  engine.start(wal);
  const r = { engine, transfer, activity };
  rigs.push(r);
  return r;
}

/** `ms` of fake time with a request arriving every millisecond (a client that never pauses). */
async function busy(r: Rig, ms: number): Promise<void> {
  for (let i = 0; i < ms; i++) {
    r.activity.calls++;
    await vi.advanceTimersByTimeAsync(1);
  }
}

describe("background pacing", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 10_000 });
  });
  afterEach(async () => {
    vi.useRealTimers();
    for (const r of rigs) {
      await r.engine.close();
      r.transfer.close();
    }
    rigs = [];
  });

  it("a journaled block's upload waits while requests arrive and goes once they pause", async () => {
    const r = rig(64 * MiB);
    r.activity.calls++;
    // A whole block: write-path.ts queues its upload at once (journaled: paced).
    await r.engine.writeAt("f", 0, Buffer.alloc(BLOCK, 7), "unstable");
    await busy(r, 500);
    expect(r.transfer.uploadedBytes).toBe(0);
    await vi.advanceTimersByTimeAsync(20); // a pause: two quiet ticks
    expect(r.transfer.uploadedBytes).toBe(BLOCK);
  });

  it("a client that never pauses delays the upload by delayMaxMs at most", async () => {
    const r = rig(64 * MiB);
    r.activity.calls++;
    await r.engine.writeAt("f", 0, Buffer.alloc(BLOCK, 7), "unstable");
    await busy(r, DELAY_MAX_MS - 20);
    expect(r.transfer.uploadedBytes).toBe(0);
    await busy(r, 40);
    expect(r.transfer.uploadedBytes).toBe(BLOCK);
  });

  it("under cache pressure the waiting upload goes at once, requests or not", async () => {
    const r = rig(BLOCK); // room for one dirty block
    r.activity.calls++;
    await r.engine.writeAt("f", 0, Buffer.alloc(BLOCK, 1), "unstable");
    let done = false;
    // The next block waits for cache room: the pressure urges the paced upload of the first.
    const second = r.engine.writeAt("f", BLOCK, Buffer.alloc(BLOCK, 2), "unstable").then(() => {
      done = true;
    });
    await busy(r, 50);
    expect(r.transfer.uploadedBytes).toBeGreaterThanOrEqual(BLOCK);
    expect(done).toBe(true);
    await second;
  });

  it("a COMMIT waiting for its uploads (shared mode) takes them out of the wait, not others'", async () => {
    const r = rig(64 * MiB, true);
    r.activity.calls++;
    await r.engine.writeAt("other", 0, Buffer.alloc(BLOCK, 2), "unstable");
    await r.engine.writeAt("f", 0, Buffer.alloc(BLOCK, 3), "unstable");
    let committed = false;
    const commit = r.engine.commit("f").then(() => {
      committed = true;
    });
    await busy(r, 50);
    expect(committed).toBe(true);
    expect(r.transfer.uploadedBytes).toBe(BLOCK); // f's block, not other's
    await commit;
  });

  it("a block holding unjournaled writes (write-once) is not paced: a COMMIT will need it", async () => {
    const r = rig(64 * MiB, false, true);
    r.engine.created("f"); // a new file: its writes skip the WAL
    r.activity.calls++;
    await r.engine.writeAt("f", 0, Buffer.alloc(64 * 1024, 4), "unstable");
    // The idle scan queues it after IDLE_MS; it goes while the requests go on.
    await busy(r, 4 * IDLE_MS);
    expect(r.transfer.uploadedBytes).toBe(64 * 1024);
  });

  it("a journaled partial block the idle scan queues waits for the pause too", async () => {
    const r = rig(64 * MiB);
    r.activity.calls++;
    await r.engine.writeAt("f", 0, Buffer.alloc(64 * 1024, 4), "unstable");
    await busy(r, 4 * IDLE_MS);
    expect(r.transfer.uploadedBytes).toBe(0);
    await vi.advanceTimersByTimeAsync(20);
    expect(r.transfer.uploadedBytes).toBe(64 * 1024);
  });

  it("a WAL reclaim round waits for a pause too", async () => {
    const wal = new ReclaimOnceWal();
    const r = rig(64 * MiB, false, false, wal);
    r.activity.calls++;
    await busy(r, 500); // start() asked for a round
    expect(wal.reclaims).toBe(0);
    await vi.advanceTimersByTimeAsync(20);
    expect(wal.reclaims).toBe(1);
  });

  it("with the WAL past PACE_WAL_SEGMENTS_MAX the idle scan sends the waiting uploads at once", async () => {
    const r = rig(64 * MiB, false, false, fullWal());
    r.activity.calls++;
    await r.engine.writeAt("f", 0, Buffer.alloc(BLOCK, 6), "unstable");
    await busy(r, 300); // one idle scan (250 ms)
    expect(r.transfer.uploadedBytes).toBe(BLOCK);
  });

  it("with no request since the last tick an upload starts at once", async () => {
    const r = rig(64 * MiB);
    await r.engine.writeAt("f", 0, Buffer.alloc(BLOCK, 5), "unstable");
    await vi.advanceTimersByTimeAsync(1);
    expect(r.transfer.uploadedBytes).toBe(BLOCK);
  });
});

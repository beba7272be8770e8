/**
 * Block GC of one payload after a truncate or delete: the blocks at or past the boundary go from
 * the block store, in the transfer manager's background lane, retried until they are gone or the
 * share closes. Uploads of the payload wait for its GC (scheduleUpload/uploadBlock check
 * gcPending), so GC never deletes a block newer than the truncate; GC's end reschedules them.
 */
import { blockKey, parseBlockIndex, payloadPrefix } from "../block-store/keys.ts";
import type { PayloadEngine } from "../engine.ts";
import type { PayloadState } from "../payload-state.ts";
import { DEFER_SYNC } from "./uploads.ts";

/** Records that blocks >= boundary must go (the lowest boundary wins) and starts GC. */
export function requestGc(engine: PayloadEngine, p: PayloadState, boundary: number, seq: number): void {
  p.gcBoundary = p.gcBoundary === null ? boundary : Math.min(p.gcBoundary, boundary);
  if (seq < p.gcSeq) p.gcSeq = seq;
  // Also during replay: a replayed write may wait for cache room that only uploads of this
  // payload (which wait for its GC) can make.
  startGc(engine, p);
}

/** Runs GC passes until no boundary is left, then lets the payload's uploads go. */
export function startGc(engine: PayloadEngine, p: PayloadState): void {
  if (p.gcRunning !== null || engine.closed) return;
  p.gcRunning = runGc(engine, p).finally(() => {
    p.gcRunning = null;
    p.changed();
    if (engine.closed) return;
    if (p.gcBoundary !== null) return startGc(engine, p);
    p.gcSeq = Number.POSITIVE_INFINITY;
    for (const e of p.blocks.values()) engine.scheduleUpload(e);
    engine.reclaimSoon();
    engine.forgetPayloadIfIdle(p);
  });
  engine.track(p.gcRunning.catch(() => {}));
}

/**
 * Deletes the payload's blocks at or past p.gcBoundary once its uploads in flight have settled
 * (new uploads wait for GC). Listing the store makes it idempotent and restartable after a crash.
 */
async function runGc(engine: PayloadEngine, p: PayloadState): Promise<void> {
  const cancelled = () => engine.closed;
  while (p.gcBoundary !== null && !engine.closed) {
    await p.uploadsIdle();
    const boundary = p.gcBoundary;
    p.gcBoundary = null;
    p.gcRunningBoundary = boundary;
    try {
      await engine.transfer.background(
        () =>
          engine.transfer.retrying(
            // Shared mode: only the block map changes; the sweeper deletes keys nothing references.
            () =>
              engine.sharedMode !== null
                ? engine.sharedMode.truncate(p, boundary)
                : deleteFrom(engine, p, boundary),
            Number.POSITIVE_INFINITY,
            cancelled,
          ),
        p, // paced (pacer.ts): what it deletes no read sees any more; storeNow promotes it
      );
    } catch (err) {
      p.gcBoundary = p.gcBoundary === null ? boundary : Math.min(p.gcBoundary, boundary);
      throw err;
    } finally {
      p.gcRunningBoundary = null;
    }
  }
}

async function deleteFrom(engine: PayloadEngine, p: PayloadState, boundary: number): Promise<void> {
  const doomed: string[] = [];
  if (p.fresh) {
    // New in this run: the store holds at most the blocks put since (none: a small file removed
    // before its upload). Deleted by key: no list, which on an fs store is a readdir per level.
    for (const index of p.putBlocks) if (index >= boundary) doomed.push(blockKey(p.id, index));
  } else {
    const prefix = payloadPrefix(p.id);
    for await (const key of engine.store.list(prefix)) {
      if (parseBlockIndex(key) >= boundary && key.startsWith(prefix)) doomed.push(key);
    }
  }
  // Durable by the flush before the WAL reclaim that drops the truncate/delete record (uploads.ts).
  for (const key of doomed) await engine.store.delete(key, DEFER_SYNC);
  if (p.fresh) for (const index of [...p.putBlocks]) if (index >= boundary) p.putBlocks.delete(index);
}

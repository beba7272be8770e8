/**
 * WAL retention of a share's engine: which records are still needed, and the reclaim of the rest
 * behind a block-store flush.
 */
import type { PayloadEngine } from "../engine.ts";

/** The oldest WAL sequence still needed: dirty data, uploads in flight, unfinished GC. */
export function minLiveSeq(engine: PayloadEngine): number {
  let min = Number.POSITIVE_INFINITY;
  for (const e of engine.dirty) min = Math.min(min, e.dirtyMinSeq, e.frozenMinSeq);
  for (const p of engine.payloads.values()) if (p.gcSeq < min) min = p.gcSeq;
  return min;
}

/**
 * Uploads and GC deletes may be durable only after the store's flush (DEFER_SYNC, uploads.ts):
 * the records that redo them go only behind one. minLiveSeq is taken first, so every put or
 * delete it counts as done had returned before the flush started and is covered by it.
 */
export async function reclaimWal(engine: PayloadEngine): Promise<void> {
  const min = minLiveSeq(engine);
  await engine.store.flush?.();
  await engine.wal.reclaim(min);
  engine.writeOnce.prune();
}

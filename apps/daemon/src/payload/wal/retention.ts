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
 *
 * No flush when no segment can go yet: the records still redo every deferred put and delete, so
 * their directories are fsynced once, by the flush before the reclaim that drops them. During a
 * small-file burst (one segment, new files always dirty) a flush ran every RECLAIM_DELAY_MS and
 * fsynced each stored file's directory in its own pass (docs/payload.md "fs-store syscalls").
 */
export async function reclaimWal(engine: PayloadEngine): Promise<void> {
  // Capped at the records appended by now: one appended while the flush runs may be dirty data
  // this answer never saw, and the reclaim must not count it dead (with min = +Infinity it did,
  // and a rotation could delete its segment: a COMMITted write lost to a crash).
  const min = Math.min(minLiveSeq(engine), engine.wal.lastSeq + 1);
  if (!engine.wal.reclaimable(min)) return;
  await engine.store.flush?.();
  await engine.wal.reclaim(min);
  engine.writeOnce.prune();
  // Records appended during the flush kept this round from rotating; if they are dead already,
  // nothing else (an upload or a GC finishing) may come to ask for another one.
  if (engine.wal.reclaimable(Math.min(minLiveSeq(engine), engine.wal.lastSeq + 1))) engine.reclaimSoon();
}

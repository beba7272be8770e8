/**
 * How a share's uploads and WAL reclaim rounds enter the transfer manager's background lane, and
 * which of them may wait for a pause in the requests (transfer/pacer.ts, docs/payload.md
 * "Background work"): only work a kill cannot lose, so pacing moves no durability point.
 */
import type { BlockEntry } from "../cache/block-entry.ts";
import type { PayloadEngine } from "../engine.ts";
import { reclaimWal } from "../wal/retention.ts";
import { PACE_WAL_SEGMENTS_MAX } from "./pacer.ts";
import { uploadBlock } from "./uploads.ts";

/** Queues the upload of a dirty block (the engine's BlockOwner.scheduleUpload). */
export function scheduleUpload(engine: PayloadEngine, e: BlockEntry): void {
  // Queued paced, and written since with bytes a COMMIT will need: it waits no more.
  if (e.uploadQueued && !safeToDefer(e)) engine.transfer.promote(e);
  if (e.uploadQueued || e.uploading || e.dropped || !e.isDirty || engine.closed) return;
  const p = engine.payloads.get(e.payloadId);
  // Uploads of a payload wait for its GC (which reschedules them) so GC never deletes new blocks.
  if (p === undefined || p.gcPending) return;
  e.uploadQueued = true;
  engine.track(
    engine.transfer
      .background(() => uploadBlock(engine, p, e), safeToDefer(e) ? e : null)
      .catch((err: unknown) => {
        e.uploadQueued = false;
        if (!engine.closed) engine.logger.warn({ err: (err as Error).message }, "upload failed");
      }),
  );
}

/** A WAL reclaim round, paced like the uploads it follows: its store flush is an fdatasync. */
export function reclaimPaced(engine: PayloadEngine): Promise<void> {
  return engine.transfer.background(() => reclaimWal(engine), walFull(engine) ? null : engine);
}

/** More WAL segments than pacing may leave behind: the idle scan and reclaim go at once. */
export function walFull(engine: PayloadEngine): boolean {
  return (engine.wal.counters()?.segments ?? 0) > PACE_WAL_SEGMENTS_MAX;
}

/**
 * An upload that may wait for a pause in the requests (transfer/pacer.ts): a kill loses none of
 * its bytes (journaled), so it moves no durability point. A block holding unjournaled writes is
 * not: the next COMMIT waits for its publish. Nor is a block a CLOSE sealed: sealed files are
 * bounded (block-store/fs-sealed.ts SEALED_FILES_MAX), and a CLOSE past the bound commits, so
 * deferring their publish would turn a burst of CLOSEs into COMMITs.
 */
function safeToDefer(e: BlockEntry): boolean {
  return !e.holdsUnjournaled;
}

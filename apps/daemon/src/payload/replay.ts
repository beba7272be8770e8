/**
 * WAL replay into a share's engine at start: each valid record is applied as if it had just been
 * written (no new record is appended); uploads and GC start as the records call for them.
 */
import type { PayloadEngine } from "./engine.ts";
import type { PayloadState } from "./payload-state.ts";
import { RecordKind, type WalRecord } from "./wal/format.ts";
import { applyDelete, applyTruncate, applyWrite } from "./write-path.ts";

export async function replayRecord(engine: PayloadEngine, r: WalRecord): Promise<void> {
  let p: PayloadState;
  try {
    p = engine.payload(r.payloadId);
  } catch {
    engine.logger.warn({ payloadId: r.payloadId.slice(0, 40) }, "wal record with a bad payload id skipped");
    return;
  }
  engine.writeOnce.noteRecord(p, r.seq);
  if (r.kind === RecordKind.WRITE) {
    // Pinned across the wait for cache room, as in writeAt: the GC of a replayed truncate/delete
    // may finish meanwhile and forget an idle state; a write applied to that orphan would never
    // upload, and a new state's entry for the same block would race it in the store.
    p.pins++;
    try {
      const wait = engine.cache.reserve(r.data.length);
      if (wait !== undefined) await wait;
    } finally {
      p.pins--;
    }
    applyWrite(engine, p, r.offset, r.data, r.seq);
  } else if (r.kind === RecordKind.TRUNCATE) {
    applyTruncate(engine, p, r.offset, r.seq);
  } else {
    applyDelete(engine, p, r.seq);
  }
}

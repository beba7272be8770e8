/**
 * Upload of one cached block, run in the transfer manager's background lane. Store calls retry
 * with backoff until they succeed or the share closes. Block GC is in gc.ts. storeNow() is the
 * COMMIT's side: queue the uploads it needs and wait for them, bounded.
 */
import { escapeAll, releaseAll, retainAll } from "../../domain/buffer-pool.ts";
import { FsError, isFsError } from "../../domain/errors.ts";
import { blockKey } from "../block-store/keys.ts";
import type { BlockEntry } from "../cache/block-entry.ts";
import type { EntryStage } from "../cache/entry-stage.ts";
import type { Slice } from "../cache/slices.ts";
import type { PayloadEngine } from "../engine.ts";
import type { PayloadState } from "../payload-state.ts";
import { BLOCK_SIZE_BYTES, type BlockWriteOptions } from "../types.ts";
import { detachSealed } from "./seal.ts";
import { detachStage, putStagedOr, storedThenEnd } from "./write-behind.ts";

/**
 * Uploads may be made durable by the store's next flush() rather than on return: the WAL keeps the
 * records that redo them until then (share-payload.ts reclaims the WAL behind a flush).
 */
export const DEFER_SYNC: BlockWriteOptions = { deferSync: true };

/**
 * Freezes the block's slices, composes them over the stored copy (downloaded first unless the
 * slices cover the whole block) and puts the result. Writes that land meanwhile form new slices.
 * An empty result deletes the key (a block truncated to nothing).
 */
export async function uploadBlock(engine: PayloadEngine, p: PayloadState, e: BlockEntry): Promise<void> {
  e.uploadQueued = false;
  if (e.dropped || e.uploading || !e.isDirty || engine.closed || p.gcPending) return;
  const cancelled = () => engine.closed;
  const failed = (err: unknown) => p.putFailed(err);
  e.freeze();
  // Its staging file (write-behind.ts) holds at most these slices: later writes are not staged there.
  const frozen = e.slices.slice();
  const stage = detachStage(e, frozen);
  // The file a CLOSE sealed (seal.ts sealForClose): published, or removed once stored.
  const sealed = detachSealed(e);
  // The put and the staging file's last writes read the frozen slices until they settle, and a
  // truncate may drop the slices meanwhile: the upload holds their memory itself (buffer-pool.ts).
  const held = frozen.map((s) => s.buf);
  retainAll(held);
  engine.cache.recount(e);
  p.uploadStarted(e.index);
  try {
    while (!e.dropped && !e.hasBase && !e.covers(0, BLOCK_SIZE_BYTES, true)) {
      await engine.transfer.retrying(() => engine.loadBase(e), Number.POSITIVE_INFINITY, cancelled, failed);
    }
    if (e.dropped) {
      // Truncated/deleted meanwhile: GC owns this key now; nothing to put.
      void stage?.end();
      void sealed?.end();
      e.clearSlices();
      e.uploading = false;
      return;
    }
    const { put, data, parts, bytes } = storeCall(engine, p, e, { stage, sealed }, frozen);
    await engine.transfer.retrying(put, Number.POSITIVE_INFINITY, cancelled, failed);
    p.putsDone++;
    engine.transfer.uploadedBytes += bytes;
    if (e.dropped) e.clearSlices();
    else e.finishUpload(data ?? parts!);
    e.uploading = false;
  } catch (err) {
    void stage?.end();
    // Kept for a restart to adopt while the block's bytes are not stored (a later upload ends it).
    if (sealed !== null && !e.dropped && e.sealed === null) e.sealed = sealed;
    else void sealed?.end();
    // Retried failures were counted as they happened; this one (ENOENT, EINVAL: not retried) ends
    // the upload, and the next COMMIT's storeNow would otherwise reschedule it without end.
    if (!engine.closed) p.putFailed(err);
    if (e.dropped) {
      e.clearSlices();
      e.uploading = false;
    } else e.abortUpload();
    throw err;
  } finally {
    releaseAll(held); // after the base took the parts over (finishUpload)
    engine.cache.recount(e);
    if (!e.isDirty || e.dropped) engine.dirty.delete(e);
    p.uploadSettled();
    engine.reclaimSoon();
  }
  // Writes that completed the block again during the upload go at once.
  if (!e.dropped && e.isDirty && e.covers(0, BLOCK_SIZE_BYTES)) engine.scheduleUpload(e);
}

/**
 * What the upload stores (the frozen slices as parts, or composed) and the store call that does it:
 * a delete for an empty block, a shared-mode version, else the staged file's publish or the put.
 */
function storeCall(
  engine: PayloadEngine,
  p: PayloadState,
  e: BlockEntry,
  staged: { stage: EntryStage | null; sealed: EntryStage | null },
  frozen: readonly Slice[],
): { put: () => Promise<void>; data: Buffer | null; parts: Buffer[] | null; bytes: number } {
  const key = blockKey(p.id, e.index);
  const shared = engine.sharedMode;
  const store = engine.store;
  // A store that writes vectors takes adopted write buffers as they are: the put needs no 4 MiB
  // compose buffer, and the cache keeps the same parts as the block's clean copy (no merge).
  const parts = shared === null && store.putv !== undefined ? e.composeParts() : null;
  const data = parts === null ? e.compose() : null;
  const bytes = data?.length ?? parts!.reduce((n, b) => n + b.length, 0);
  // A store that may keep what it is given: that memory is never reused for received frames.
  if (shared !== null || store.releasesBuffers !== true) escapeAll(parts ?? [data!]);
  // Shared mode: a new version key, then the block map (shared/shared-mode.ts).
  const whole =
    shared !== null
      ? () => shared.put(p, e.index, data!)
      : bytes === 0
        ? () => store.delete(key, DEFER_SYNC)
        : parts !== null
          ? () => store.putv!(key, parts, DEFER_SYNC)
          : () => store.put(key, data!, DEFER_SYNC);
  if (bytes === 0 || shared !== null) {
    void staged.stage?.end();
    return { put: storedThenEnd(whole, staged.sealed), data, parts, bytes };
  }
  return { put: putStagedOr(engine, e, staged, frozen, whole, DEFER_SYNC), data, parts, bytes };
}

/**
 * A COMMIT waiting for its uploads fails after this many failed store calls of the payload with no
 * put succeeding in between (a full or broken disk): an I/O error reaches the client instead of a
 * COMMIT that never returns. The blocks stay dirty in the cache and keep retrying in the
 * background, so a later COMMIT tries again. (Backoff 50 ms doubling: about 0.4-0.75 s.)
 */
export const COMMIT_PUT_FAILURES_MAX = 4;
/** storeNow re-checks at least this often (a safety net: uploads and GC wake it when they settle). */
const STORE_RECHECK_MS = 100;

/**
 * Queues an upload of every block of `p` that `due` names, at once (ahead of the idle and commit
 * timers), and waits until none is due any more and, with `gc`, the payload's GC has run. Woken by
 * PayloadState.changed() when an upload settles, fails or GC ends. Throws the store's error
 * (ENOSPC, EDQUOT, else EIO) after COMMIT_PUT_FAILURES_MAX failures in a row.
 */
export async function storeNow(
  engine: PayloadEngine,
  p: PayloadState,
  due: (e: BlockEntry) => boolean,
  opts: { gc: boolean; checkOpen: () => void },
): Promise<void> {
  let failuresBase = p.putFailures;
  let putsSeen = p.putsDone;
  for (;;) {
    opts.checkOpen();
    // No upload runs once the transfer manager closed (a stop whose first store of the writes
    // failed): waiting would never end (the stop hung).
    if (engine.transfer.stopped) throw storeError(p.lastPutError ?? new Error("transfer manager closed"));
    let waiting = opts.gc && p.gcPending;
    // A COMMIT waits: its GC and uploads do not wait for a pause in the requests (pacer.ts).
    if (waiting) engine.transfer.promote(p);
    for (const e of p.blocks.values()) {
      if (!due(e)) continue;
      waiting = true;
      engine.scheduleUpload(e);
      engine.transfer.promote(e);
    }
    if (!waiting) return;
    if (p.putsDone !== putsSeen) {
      putsSeen = p.putsDone;
      failuresBase = p.putFailures;
    }
    if (p.putFailures - failuresBase >= COMMIT_PUT_FAILURES_MAX) throw storeError(p.lastPutError);
    await p.nextChange(STORE_RECHECK_MS);
  }
}

function storeError(err: unknown): FsError {
  if (isFsError(err, "ENOSPC") || isFsError(err, "EDQUOT")) return err;
  return new FsError("EIO", `block store keeps failing: ${(err as Error)?.message ?? String(err)}`);
}

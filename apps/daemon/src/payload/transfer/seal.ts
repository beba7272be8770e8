/**
 * SMB CLOSE of a write-once payload (docs/payload.md "CLOSE"): each block holding unjournaled
 * writes gets its staging file (transfer/write-behind.ts) written to the end and sealed, named
 * after its length and CRC32C (block-store/fs-sealed.ts), so a restart after a kill adopts it
 * (block-store/fs-adopt.ts).
 * Nothing is fdatasynced: the publish stays with the upload a COMMIT, the idle scan or cache
 * pressure starts. A sealed file stays on its entry (BlockEntry.sealed) until the block's upload
 * published it or stored newer content (write-behind.ts putStagedOr), or the block is dropped.
 */
import type { BlockEntry } from "../cache/block-entry.ts";
import type { EntryStage } from "../cache/entry-stage.ts";
import type { PayloadEngine } from "../engine.ts";
import type { PayloadState } from "../payload-state.ts";
import { newStage, stageable } from "./write-behind.ts";

/** A CLOSE waiting for a block's upload re-checks at least this often (uploads wake it when they settle). */
const UPLOAD_RECHECK_MS = 100;

/**
 * Seals every block of `p` holding unjournaled writes. Resolves false when a block cannot be
 * sealed (over a stored base, a staging write failed, its upload failing): the caller then
 * commits the payload instead.
 */
export async function sealForClose(engine: PayloadEngine, p: PayloadState): Promise<boolean> {
  if (engine.store.stage === undefined || engine.sharedMode !== null) return false;
  const blocks = [...p.blocks.values()].filter((e) => e.holdsUnjournaled);
  const sealed = await Promise.all(blocks.map((e) => sealBlock(engine, p, e).catch(() => false)));
  return sealed.every((ok) => ok);
}

async function sealBlock(engine: PayloadEngine, p: PayloadState, e: BlockEntry): Promise<boolean> {
  // An upload in flight (the idle scan's, cache pressure's) took the block's staging file and
  // stores the block: the CLOSE waits for that one block. Before, it committed the whole payload
  // (a put or publish, each with its fdatasync, of every block): a 256 MiB smbclient put longer
  // than the idle delay sealed 19-38 of 64 blocks and put the rest. A store that keeps failing
  // makes the CLOSE commit instead, whose wait is bounded (uploads.ts storeNow).
  const failures = p.putFailures;
  while (e.uploading && !e.dropped) {
    if (p.putFailures !== failures || engine.closed) return false;
    await p.nextChange(UPLOAD_RECHECK_MS);
  }
  // Truncated or deleted meanwhile (nothing of it is kept), or stored by that upload.
  if (e.dropped || !e.holdsUnjournaled) return true;
  // Sealed by an earlier CLOSE and not written since: nothing new to keep.
  if (e.stage === null && e.sealed?.store === engine.store && e.sealed.holds(e.slices)) return true;
  if (e.stage === null) {
    // A new file is sealed only while the store holds nothing for the block: a restart adopts a
    // sealed file into an absent key only (block-store/fs-adopt.ts), so one over a stored block
    // would be dropped as stale with the writes the CLOSE acknowledged. After the upload waited
    // for above the key exists, and the base it left may be evicted (baseEnd 0 again).
    if (!stageable(engine, e) || !storeHoldsNothing(p, e) || e.slices.length === 0) return false;
    e.stage = newStage(engine, e);
  }
  const stage = e.stage;
  if (!(await stage.seal())) return false;
  if (e.stage === stage) e.stage = null; // later writes go to a new file
  const older = e.sealed;
  e.sealed = stage;
  await older?.end(); // the newer sealed file holds every byte it did
  return true;
}

/** The store has no content for the block (the rule write-once.ts applies to unjournaled writes). */
function storeHoldsNothing(p: PayloadState, e: BlockEntry): boolean {
  return e.hasBase ? e.baseLength === 0 : p.knownEmpty(e.index);
}

/**
 * Discards the file a CLOSE sealed, if any: the block is dropped (truncated away or deleted, the
 * WAL record that did it replays over an adoption until the store's flush made this removal
 * durable), or the share closes (its writes were made durable first).
 */
export function dropSealed(e: BlockEntry): Promise<void> {
  const s = e.sealed;
  e.sealed = null;
  return s === null ? Promise.resolve() : s.end();
}

/** The upload has just frozen the block's slices: takes the file a CLOSE sealed off the entry, or null. */
export function detachSealed(e: BlockEntry): EntryStage | null {
  const s = e.sealed;
  e.sealed = null;
  return s;
}

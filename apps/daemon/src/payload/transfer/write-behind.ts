/**
 * Write-behind of write-once blocks on an fs store (docs/payload.md "Write-behind"). A block a
 * new file's writer has just completed is written to a temp file at once, without an fdatasync
 * (BlockStore.stage); the upload that a COMMIT, the idle scan or cache pressure starts later then
 * only fdatasyncs and renames it (StagedPut.publish) when the block still holds the same bytes.
 * Otherwise the staged file is discarded and the upload puts the block whole, as without it.
 *
 * Why it is safe: a staged file has a temp name, which no get() or list() ever reads, until the
 * publish fdatasynced it; so a crash leaves the key absent (the block was never acknowledged) or
 * holding the whole durable block, as a put does. Why it is faster: the kernel writes the staged
 * pages back while the client still sends, and a COMMIT's fdatasyncs find most of them on disk,
 * instead of writing and syncing each 4 MiB block one after another behind the COMMIT.
 */
import { blockKey } from "../block-store/keys.ts";
import type { BlockEntry } from "../cache/block-entry.ts";
import type { PayloadEngine } from "../engine.ts";
import type { PayloadState } from "../payload-state.ts";
import type { BlockWriteOptions, StagedPut } from "../types.ts";

/** Whether two part lists are the same views of the same memory (written bytes never change). */
function sameParts(a: readonly Buffer[], b: readonly Buffer[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.buffer !== y.buffer || x.byteOffset !== y.byteOffset || x.length !== y.length) return false;
  }
  return true;
}

/**
 * Stages the block's slices as they are now when they form the whole block and are all unjournaled
 * writes; a failure only means the later upload puts the block whole.
 */
export async function stageBlock(engine: PayloadEngine, p: PayloadState, e: BlockEntry): Promise<void> {
  e.stageQueued = false;
  const store = engine.store;
  if (store.stage === undefined || e.dropped || e.uploading || e.staging !== null || !e.unjournaled) return;
  if (engine.closed || p.gcPending) return;
  const parts = e.stageParts();
  if (parts === null || (e.staged !== null && sameParts(e.staged.parts, parts))) return;
  void dropStaged(e);
  let staged: () => void = () => {};
  e.staging = new Promise((resolve) => {
    staged = resolve;
  });
  try {
    const put = await store.stage(blockKey(p.id, e.index), parts);
    const now = e.stageParts();
    if (e.dropped || engine.closed || engine.store !== store || now === null || !sameParts(now, parts))
      void put.discard();
    else e.staged = { parts, put, store };
  } catch (err) {
    engine.logger.debug({ err: (err as Error).message }, "block stage failed; the upload puts it whole");
  } finally {
    e.staging = null;
    staged();
  }
}

/** Discards the block's staged file, if any (truncated, deleted, rewritten or closing). */
export function dropStaged(e: BlockEntry): Promise<void> {
  const s = e.staged;
  e.staged = null;
  return s === null ? Promise.resolve() : s.put.discard();
}

/**
 * The store call of an upload of `parts`: the staged file's publish when it holds exactly these
 * parts (falling back to a whole put if the publish fails), else the put itself.
 */
export function putStagedOr(
  engine: PayloadEngine,
  e: BlockEntry,
  parts: readonly Buffer[] | null,
  put: () => Promise<void>,
  opts: BlockWriteOptions,
): () => Promise<void> {
  const s = e.staged;
  if (s === null) return put;
  e.staged = null;
  if (parts === null || s.store !== engine.store || !sameParts(s.parts, parts)) {
    void s.put.discard();
    return put;
  }
  let staged: StagedPut | null = s.put;
  return async () => {
    const once = staged;
    staged = null; // a retry after a failed publish puts the block whole
    if (once === null) return put();
    try {
      await once.publish(opts);
    } catch (err) {
      engine.logger.debug({ err: (err as Error).message }, "staged block not published; putting it whole");
      await once.discard();
      await put();
    }
  };
}

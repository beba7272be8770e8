/**
 * Downloads into the cache: one in flight per block (readers and uploads share it), demand reads
 * ahead of prefetches in the transfer manager's download lane. A missing block is an empty base
 * (reads as zeros); a download that races an upload of the same block never overwrites the newer
 * base the upload set.
 */
import { FsError } from "../../domain/errors.ts";
import { blockKey } from "../block-store/keys.ts";
import { BlockEntry } from "../cache/block-entry.ts";
import type { PayloadEngine } from "../engine.ts";
import type { PayloadState } from "../payload-state.ts";
import { BLOCK_SIZE_BYTES } from "../types.ts";

export function loadBase(engine: PayloadEngine, e: BlockEntry, prefetch: boolean): Promise<void> {
  if (e.hasBase) return Promise.resolve();
  if (e.loading !== null) return e.loading;
  const p = engine.payloads.get(e.payloadId);
  if (p !== undefined && (e.index >= p.staleFrom || p.knownEmpty(e.index))) {
    // Truncated or deleted and not yet collected: what the store holds there is stale. Or a new
    // file's block never put (its empty base was evicted under pressure): nothing to download.
    e.setBase(BlockEntry.EMPTY);
    e.baseLoaded();
    engine.cache.recount(e);
    return Promise.resolve();
  }
  const key = blockKey(e.payloadId, e.index);
  // An upload that finishes while this download is in flight makes what it fetched stale: if the
  // new base is evicted before the download ends, taking the old copy would lose the uploaded
  // slices (callers see base still null and load again).
  const gen = e.storeGen;
  const fresh = () => !e.hasBase && !e.dropped && e.storeGen === gen;
  // Shared mode: the version the block map names, not whatever the unversioned key holds.
  const shared = engine.sharedMode;
  let version: string | null = null;
  const fetch =
    shared === null
      ? () => engine.store.get(key)
      : async () => {
          const got = await shared.fetch(e.payloadId, e.index);
          version = got.version;
          return got.data;
        };
  e.loading = engine.transfer
    .download(fetch, prefetch)
    .then(
      (buf) => {
        engine.transfer.downloadedBytes += buf.length;
        if (!fresh()) return;
        e.setBase(buf);
        shared?.noteFetched(engine.payloads.get(e.payloadId), e.index, version);
      },
      (err: unknown) => {
        if (!(err instanceof FsError && err.code === "ENOENT")) throw err;
        if (fresh()) e.setBase(BlockEntry.EMPTY);
      },
    )
    .finally(() => {
      e.loading = null;
      if (!e.dropped) {
        if (e.hasBase) e.baseLoaded();
        engine.cache.recount(e);
        engine.cache.trim();
      }
    });
  return e.loading;
}

/** Sequential reader: fetch `count` blocks from `from` that are neither cached nor covered. */
export function prefetchBlocks(engine: PayloadEngine, p: PayloadState, from: number, count: number): void {
  for (let i = from; i < from + count; i++) {
    const e = engine.entry(p, i);
    if (!e.hasBase && e.loading === null && !e.covers(0, BLOCK_SIZE_BYTES)) {
      loadBase(engine, e, true).catch(() => {});
    }
  }
}

/**
 * FSSTAT (RFC 1813 §3.3.18): used bytes and file counts of the share's tree from the store. The
 * count is an aggregate query on SQL stores, so it is cached briefly; memory counts are exact.
 */
import type { ServiceCore, ShareState } from "../core.ts";
import type { StoreUsage } from "../metadata-store.ts";
import type { FsStat } from "../types.ts";

/** How long an SQL store's usage numbers are reused. */
export const USAGE_CACHE_MS = 3000;
/** Nominal capacity: content lives in a block store (maybe S3) whose size is not known here. */
export const CAPACITY_BYTES = 2 ** 50;
export const CAPACITY_FILES = 2 ** 32;

export async function fsstat(core: ServiceCore, handle: Buffer): Promise<FsStat> {
  const t = core.target(handle);
  await core.load(t);
  const { files, bytes } = await shareUsage(t.share);
  const freeBytes = Math.max(CAPACITY_BYTES - bytes, 0);
  const freeFiles = Math.max(CAPACITY_FILES - files, 0);
  return {
    totalBytes: bytes + freeBytes,
    freeBytes,
    availBytes: freeBytes,
    totalFiles: files + freeFiles,
    freeFiles,
    availFiles: freeFiles,
  };
}

/**
 * Inodes (the root included) and summed file sizes of a share's tree, cached on SQL stores unless
 * `fresh` (a decision that must not act on a count from before the latest write).
 */
export async function shareUsage(share: ShareState, fresh = false): Promise<StoreUsage> {
  const nowMs = Date.now();
  let usage = share.usage;
  if (fresh || share.store.type === "memory" || usage === null || nowMs - usage.atMs > USAGE_CACHE_MS) {
    usage = { atMs: nowMs, value: await share.store.usage(share.root) };
    share.usage = usage;
  }
  return usage.value;
}

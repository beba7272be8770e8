/**
 * Upgrade path for shares that became shared (scale-out) mode, docs/architecture.md "Scale-out": before block
 * versioning a PostgreSQL + S3 share stored blocks under unversioned keys `<payloadId>/chunk-c/
 * block-b` and had no block map, so shared mode would read those files as holes.
 *
 * Adoption gives every such file a block map whose rows name the existing unversioned key through
 * a reserved version marker, `legacy:<n>` (n = the bytes of the block inside the file's size when
 * it was adopted; the rest of the object, and any block wholly past EOF, is never read). Nothing
 * is copied, so adopting a big bucket costs one listing and one statement per file. A later write
 * or truncate supersedes a marker like any version; the sweeper (transfer/sweep.ts) then deletes
 * the unversioned key once it has been unreferenced for the grace period. Only keys recorded at
 * adoption are ever deleted, so unversioned keys of non-shared shares (or of other deployments in
 * the bucket) are never touched.
 *
 * When: at share registration, before the WAL replays (a replayed commit would create the
 * payload's map and the adoption would then skip it). Not lazily per payload on the first map
 * read: knowing whether a payload without a map has legacy keys would cost an S3 LIST on the first
 * touch of every new file, forever, on the read and COMMIT paths. Several daemons starting at once
 * serialize on a store-wide lock (the others wait, then find the scan done); adoption of a file is
 * one statement that inserts the payload row with ON CONFLICT DO NOTHING, so it happens once even
 * without the lock, and never for a file shared mode has already written (its row exists).
 * Assumes no daemon of the old version still writes the bucket (stop them all, then upgrade).
 */
import type pino from "pino";
import { FsError } from "../../domain/errors.ts";
import { parseBlockIndex } from "../block-store/keys.ts";
import type { BlockStore } from "../types.ts";
import type { LegacyCatalog } from "./block-map.ts";

const LEGACY_PREFIX = "legacy:";
const LEGACY_RE = /^legacy:(\d+)$/;

/** The map's version for an adopted unversioned block holding `length` bytes of the file. */
export function legacyVersion(length: number): string {
  return `${LEGACY_PREFIX}${length}`;
}

/** The adopted length of a legacy marker, or null when `version` is a real version. */
export function legacyLength(version: string): number | null {
  const m = LEGACY_RE.exec(version);
  return m === null ? null : Number(m[1]);
}

export interface LegacyKey {
  key: string;
  payloadId: string;
  block: number;
}

/** An unversioned block key, or null (versioned keys, anything else). */
export function parseLegacyKey(key: string): LegacyKey | null {
  const block = parseBlockIndex(key);
  if (block < 0) return null;
  return { key, payloadId: key.slice(0, key.lastIndexOf("/chunk-")), block };
}

/**
 * Adopts every file of `store` that has only unversioned blocks, once per `scope` (the share);
 * returns how many files were adopted by this call.
 */
export async function adoptLegacyBlocks(
  store: BlockStore,
  catalog: LegacyCatalog,
  scope: string,
  logger: pino.Logger,
): Promise<number> {
  return catalog.withAdoptLock(async () => {
    if (await catalog.legacyScanDone(scope)) return 0;
    let adopted = 0;
    let files = 0;
    let current: string | null = null;
    let blocks: number[] = [];
    const flush = async () => {
      if (current === null) return;
      files++;
      if (await catalog.adoptLegacy(current, blocks)) adopted++;
    };
    let previous = "";
    for await (const key of store.list("")) {
      // S3 lists in key order, so all keys of a payload (one prefix) come together; a store that
      // did not would make us adopt a file from part of its blocks, so refuse instead.
      if (key < previous) throw new FsError("EIO", "block store listing is not in key order");
      previous = key;
      const k = parseLegacyKey(key);
      if (k === null) continue;
      if (k.payloadId !== current) {
        await flush();
        current = k.payloadId;
        blocks = [];
      }
      blocks.push(k.block);
    }
    await flush();
    await catalog.markLegacyScanDone(scope);
    if (files > 0) logger.info({ files, adopted }, "adopted unversioned blocks into the block map");
    return adopted;
  });
}

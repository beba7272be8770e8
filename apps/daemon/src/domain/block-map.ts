/**
 * The contract between the shared-mode payload engine and the metadata store that backs it
 * (docs/architecture.md "Scale-out"): which version each block of a payload is, and a per-payload content
 * generation bumped by every change, so a daemon can check its cache with one small query.
 * Implemented over PostgreSQL by metadata/stores/postgres-blocks.ts; payload/shared/block-map.ts
 * has the in-process twin. It lives in the domain so neither side imports the other.
 */

/** A block key with its version: `<payloadId>/chunk-<c>/block-<b>-v<version>`. */
export interface VersionedKey {
  key: string;
  payloadId: string;
  block: number;
  version: string;
}

/** Most block indexes asked for in one versions() call (a cache holds far fewer per payload). */
export const BLOCK_MAP_QUERY_MAX = 4096;

export interface BlockVersions {
  /** The payload's content generation these versions belong to (0n: never written). */
  generation: bigint;
  /** Block index → version; an index not present is a hole (reads as zeros). */
  versions: Map<number, string>;
}

export interface BlockMap {
  /** Current content generation of a payload (0n if no block was ever committed). */
  generation(payloadId: string): Promise<bigint>;
  /** Committed versions of these blocks (at most BLOCK_MAP_QUERY_MAX indexes). */
  versions(payloadId: string, indexes: readonly number[]): Promise<BlockVersions>;
  /**
   * Records block `index` as `version` (null: a hole) and bumps the generation, atomically.
   * Returns the new generation.
   */
  commitBlock(payloadId: string, index: number, version: string | null): Promise<bigint>;
  /** Forgets every block at or past `from` (truncate; 0 for delete) and bumps the generation. */
  truncate(payloadId: string, from: number): Promise<bigint>;
}

/** What the sweeper (transfer/sweep.ts) needs from the metadata store besides the map. */
export interface SweepCatalog {
  /**
   * Runs fn while holding the store-wide sweep lock (one sweeper among all daemons); returns
   * false without running it when another holds the lock.
   */
  withSweepLock(fn: () => Promise<void>): Promise<boolean>;
  /** Drops the block references of payloads no inode names any more (deleted files). */
  dropDeadPayloads(): Promise<number>;
  /**
   * Of these keys: the payload ids this store knows (an inode or a payload row names them; keys of
   * unknown payloads may belong to another deployment and are never touched), and the keys the
   * block map references.
   */
  classify(keys: readonly VersionedKey[]): Promise<{ known: Set<string>; referenced: Set<string> }>;
  /**
   * Removes payload rows of deleted files not changed since `beforeMs` whose ids are not in
   * `keep` (payloads that still have keys in the store). Returns how many went.
   */
  forgetDeadPayloads(beforeMs: number, keep: readonly string[]): Promise<number>;
}

/**
 * Adoption of blocks stored before versioning (legacy.ts) and their sweeping. A legacy key is
 * named `<payloadId>:<block>` here.
 */
export interface LegacyCatalog {
  /** Runs fn holding the store-wide adoption lock, waiting for another daemon's scan to end. */
  withAdoptLock<T>(fn: () => Promise<T>): Promise<T>;
  legacyScanDone(scope: string): Promise<boolean>;
  markLegacyScanDone(scope: string): Promise<void>;
  /**
   * In one transaction: when an inode names the payload and it has no map yet, maps each block
   * inside the file's size to its unversioned key (legacy marker) and records every block as
   * adopted. Returns false (nothing changed) otherwise.
   */
  adoptLegacy(payloadId: string, blocks: readonly number[]): Promise<boolean>;
  /**
   * Of these unversioned keys: the adopted ones the map no longer references. Marks newly
   * unreferenced ones superseded now; `deletable` are those superseded before `beforeMs`,
   * `pending` the payload ids of the others (adopted, not deletable yet).
   */
  legacyGarbage(
    keys: readonly { payloadId: string; block: number }[],
    beforeMs: number,
  ): Promise<{ deletable: Set<string>; pending: Set<string> }>;
  /** Forgets adopted keys the sweeper deleted. */
  forgetLegacy(keys: readonly { payloadId: string; block: number }[]): Promise<void>;
}

/** How the catalog names an adopted unversioned key: `<payloadId>:<block>`. */
export function legacyRefOf(k: { payloadId: string; block: number }): string {
  return `${k.payloadId}:${k.block}`;
}

/** The metadata store's whole shared-content side. */
export interface SharedContentStore extends BlockMap, SweepCatalog, Partial<LegacyCatalog> {
  /** How long this daemon reuses metadata it read (its attribute cache bound). */
  setCacheTtlMs?(ms: number): void;
}

/** How the catalog names a referenced key in classify(): `<payloadId>:<block>:<version>`. */
export function referenceKeyOf(k: Pick<VersionedKey, "payloadId" | "block" | "version">): string {
  return `${k.payloadId}:${k.block}:${k.version}`;
}

export function checkIndexes(indexes: readonly number[]): void {
  if (indexes.length > BLOCK_MAP_QUERY_MAX) throw new RangeError(`${indexes.length} block indexes`);
}

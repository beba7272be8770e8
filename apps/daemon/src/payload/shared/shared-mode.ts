/**
 * Shared (scale-out) mode of one share's payload engine, docs/architecture.md "Scale-out". Several daemons
 * serve the same files from one metadata store (PostgreSQL) and one block store (S3), each with
 * its own cache, so:
 *
 * - every upload goes to a new immutable key (versions.ts) and is then committed to the BlockMap
 *   (block index → version, plus a content generation bumped by every change);
 * - a download fetches the version the map names (no entry: a hole), never "whatever the key
 *   holds now";
 * - validate() (called by the metadata service on LOOKUP/GETATTR/READ) compares the payload's
 *   generation with the one this cache last saw and, when it moved, drops every cached base whose
 *   version is no longer the committed one. Dirty slices stay: they are newer than the store.
 * - truncate/delete only change the map; the keys go later, through the sweeper (sweep.ts).
 */

import type pino from "pino";
import { FsError } from "../../domain/errors.ts";
import { blockKey } from "../block-store/keys.ts";
import type { BlockEntry } from "../cache/block-entry.ts";
import type { PayloadEngine, SharedBlocks } from "../engine.ts";
import type { PayloadState } from "../payload-state.ts";
import type { BlockStore } from "../types.ts";
import { BLOCK_MAP_QUERY_MAX, type BlockMap, type LegacyCatalog } from "./block-map.ts";
import { adoptLegacyBlocks, legacyLength } from "./legacy.ts";
import { newVersion, versionedBlockKey, versionTimeMs } from "./versions.ts";

/** Default for how long a validated cache is trusted on GETATTR/READ (LOOKUP always checks). */
export const ATTR_CACHE_MS_DEFAULT = 1000;
/** Default age below which the sweeper never deletes an unreferenced key. */
export const GC_GRACE_MS_DEFAULT = 10 * 60_000;
/** A version deleted while we fetched it (superseded, swept): re-read the map this many times. */
const FETCH_ATTEMPTS_MAX = 8;
/** Remembered block versions per payload beyond the cached blocks before pruning. */
const REMEMBERED_VERSIONS_MAX = 4 * BLOCK_MAP_QUERY_MAX;

export interface SharedModeOptions {
  map: BlockMap;
  store: BlockStore;
  /** The sweeper's grace period: an upload older than half of it at commit time is redone. */
  gcGraceMs?: number;
  /** How long GETATTR/READ trust a validated cache (LOOKUP, the NFS "open", always checks). */
  attrCacheMs?: number;
}

/** What this daemon's cache knows of a payload's committed content. */
interface SeenContent {
  /** The generation the cached bases were checked against (null: never). */
  generation: bigint | null;
  checkedAtMs: number;
  /** Block index → version its cached base holds (null: a hole). */
  versions: Map<number, string | null>;
}

export type ValidateReason = "lookup" | "getattr" | "read";

export class SharedMode implements SharedBlocks {
  readonly map: BlockMap;
  readonly gcGraceMs: number;
  readonly attrCacheMs: number;
  private readonly store: BlockStore;
  private readonly seen = new WeakMap<PayloadState, SeenContent>();

  constructor(opts: SharedModeOptions) {
    this.map = opts.map;
    this.store = opts.store;
    this.gcGraceMs = opts.gcGraceMs ?? GC_GRACE_MS_DEFAULT;
    this.attrCacheMs = opts.attrCacheMs ?? ATTR_CACHE_MS_DEFAULT;
  }

  private seenOf(p: PayloadState): SeenContent {
    let s = this.seen.get(p);
    if (s === undefined) {
      s = { generation: null, checkedAtMs: Number.NEGATIVE_INFINITY, versions: new Map() };
      this.seen.set(p, s);
    }
    return s;
  }

  /** The committed content of a block (EMPTY for a hole) and its version. */
  async fetch(payloadId: string, index: number): Promise<{ data: Buffer; version: string | null }> {
    let missing: string | null = null;
    for (let attempt = 0; attempt < FETCH_ATTEMPTS_MAX; attempt++) {
      const { versions } = await this.map.versions(payloadId, [index]);
      const version = versions.get(index) ?? null;
      if (version === null) return { data: Buffer.alloc(0), version: null };
      try {
        return { data: await this.getVersion(payloadId, index, version), version };
      } catch (err) {
        if (!(err instanceof FsError && err.code === "ENOENT")) throw err;
        // Superseded and swept between our map read and the GET: the map names a newer one now.
        // The same version missing twice is a real loss; say so rather than read zeros.
        if (version === missing) break;
        missing = version;
      }
    }
    throw new FsError("EIO", `block ${index} of ${payloadId}: committed version missing from the store`);
  }

  /** A version's bytes; an adopted legacy marker reads the unversioned key up to its length. */
  private async getVersion(payloadId: string, index: number, version: string): Promise<Buffer> {
    const length = legacyLength(version);
    if (length === null) return this.store.get(versionedBlockKey(payloadId, index, version));
    const data = await this.store.get(blockKey(payloadId, index));
    return data.length > length ? data.subarray(0, length) : data;
  }

  /**
   * Before the share serves (and before its WAL replays): files stored before versioning get a
   * block map naming their unversioned keys (legacy.ts). No-op when the store cannot adopt.
   */
  async adoptLegacy(scope: string, logger: pino.Logger): Promise<void> {
    const m = this.map as Partial<LegacyCatalog>;
    if (m.withAdoptLock === undefined) return;
    await adoptLegacyBlocks(this.store, m as LegacyCatalog, scope, logger);
  }

  /** Records what a download put in the cache. */
  noteFetched(p: PayloadState | undefined, index: number, version: string | null): void {
    if (p === undefined) return;
    const s = this.seenOf(p);
    s.versions.set(index, version);
    if (s.versions.size > REMEMBERED_VERSIONS_MAX) {
      for (const i of [...s.versions.keys()]) if (!p.blocks.has(i)) s.versions.delete(i);
    }
  }

  /**
   * Puts a block under a new version and commits it to the map (an empty block commits a hole).
   * Throws to be retried (with a fresh version) when the put took so long that the sweeper may
   * already have judged the key unreferenced.
   */
  async put(p: PayloadState, index: number, data: Buffer): Promise<void> {
    let version: string | null = null;
    if (data.length > 0) {
      version = newVersion();
      await this.store.put(versionedBlockKey(p.id, index, version), data);
      if (Date.now() - versionTimeMs(version) > this.gcGraceMs / 2) {
        throw new FsError("ETIMEDOUT", "block upload outlived half the GC grace period; redoing it");
      }
    }
    const s = this.seenOf(p);
    const before = s.generation;
    const generation = await this.map.commitBlock(p.id, index, version);
    this.noteFetched(p, index, version);
    // Only our own commit moved the generation (or it is the payload's first commit ever, so
    // nothing else was cached): the cache is still current. Otherwise (another daemon committed
    // in between) leave it for the next validate to compare.
    if (before === null ? generation === 1n : generation === before + 1n) s.generation = generation;
  }

  /** Truncate/delete: forget blocks at or past `from` in the map; keys go by the sweeper. */
  async truncate(p: PayloadState, from: number): Promise<void> {
    const s = this.seenOf(p);
    const before = s.generation;
    const generation = await this.map.truncate(p.id, from);
    for (const i of [...s.versions.keys()]) if (i >= from) s.versions.delete(i);
    if (before !== null && generation === before + 1n) s.generation = generation;
  }

  /**
   * Drops cached bases of `payloadId` that another daemon replaced. LOOKUP (NFS's "open",
   * close-to-open) always asks the map; GETATTR and READ trust a check younger than attrCacheMs.
   */
  async validate(engine: PayloadEngine, payloadId: string, reason: ValidateReason): Promise<void> {
    const p = engine.payloads.get(payloadId);
    if (p === undefined) return;
    const s = this.seenOf(p);
    const now = performance.now();
    if (reason !== "lookup" && now - s.checkedAtMs < this.attrCacheMs) return;
    if (!hasBases(p)) return;
    p.pins++;
    try {
      const generation = await this.map.generation(payloadId);
      if (generation === s.generation) {
        s.checkedAtMs = now;
        return;
      }
      // A download in flight may bring a version older than `generation`: compare after it lands.
      await Promise.allSettled([...p.blocks.values()].map((e) => e.loading ?? undefined));
      if (this.dropStale(engine, p, s, await this.committedOf(p))) {
        s.generation = generation;
        s.checkedAtMs = now;
      }
    } finally {
      p.pins--;
    }
  }

  private async committedOf(p: PayloadState): Promise<Map<number, string>> {
    const indexes = [...p.blocks.values()].filter((e) => e.hasBase).map((e) => e.index);
    const out = new Map<number, string>();
    for (let i = 0; i < indexes.length; i += BLOCK_MAP_QUERY_MAX) {
      const part = await this.map.versions(p.id, indexes.slice(i, i + BLOCK_MAP_QUERY_MAX));
      for (const [k, v] of part.versions) out.set(k, v);
    }
    return out;
  }

  /** Returns false when some entry could not be settled (uploading/loading): check again later. */
  private dropStale(
    engine: PayloadEngine,
    p: PayloadState,
    s: SeenContent,
    committed: Map<number, string>,
  ): boolean {
    let settled = true;
    for (const e of [...p.blocks.values()]) {
      if (!e.hasBase || e.dropped) continue;
      const want = committed.get(e.index) ?? null;
      if (s.versions.has(e.index) && s.versions.get(e.index) === want) continue;
      if (e.uploading || e.loading !== null) {
        settled = false;
        continue;
      }
      dropBase(engine, e);
      s.versions.delete(e.index);
    }
    return settled;
  }
}

function hasBases(p: PayloadState): boolean {
  for (const e of p.blocks.values()) if (e.hasBase || e.loading !== null) return true;
  return false;
}

/**
 * Forgets a stale base. A clean entry goes from the cache; a dirty one keeps its slices and loads
 * the current base before its next read or upload (so its upload cannot write old bytes back).
 */
function dropBase(engine: PayloadEngine, e: BlockEntry): void {
  e.setBase(null);
  e.storeGen++;
  engine.cache.recount(e);
  if (!e.isDirty) engine.released(e);
}

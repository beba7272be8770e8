/**
 * Ordered directory listings of the SQLite store, kept in memory: a readdir page of a cached
 * directory costs a Map walk instead of an index range scan plus one primary-key lookup per row
 * (measured ~1–2 µs per entry, most of a READDIRPLUS page). Write-through like the store's other
 * caches (one daemon owns the file). A directory's entries are a Map whose insertion order is seq
 * order: new entries always take the directory's next seq, so they append; an insert with a lower
 * seq (never done by the service) just drops the listing. Only directories of at most
 * LISTING_ENTRIES_MAX entries are cached; bigger ones are remembered as such and paged from SQLite.
 */
import { BoundedCache } from "./lru.ts";

/** Entries of the largest directory whose listing is cached. */
export const LISTING_ENTRIES_MAX = 4096;
/** Directories whose listing is cached at once (at most LISTING_DIRS_MAX × LISTING_ENTRIES_MAX entries). */
export const LISTING_DIRS_MAX = 64;
/** Directories remembered as too big to cache. */
const TOO_BIG_DIRS_MAX = 1024;

export interface ListingRow {
  name: string;
  seq: bigint;
  child: bigint;
}

interface Listing {
  entries: Map<string, { seq: bigint; child: bigint }>;
  lastSeq: bigint;
}

export class DirListings {
  private readonly dirs = new BoundedCache<bigint, Listing>(LISTING_DIRS_MAX);
  private readonly tooBig = new BoundedCache<bigint, true>(TOO_BIG_DIRS_MAX);

  /**
   * Entries with seq > afterSeq, in seq order, at most `limit`; null when the directory is not
   * cached and cannot be. `loadAll(max)` returns the directory's first `max` entries in seq order.
   */
  page(
    parent: bigint,
    afterSeq: bigint,
    limit: number,
    loadAll: (max: number) => ListingRow[],
  ): ListingRow[] | null {
    let listing = this.dirs.get(parent);
    if (listing === undefined) {
      if (this.tooBig.get(parent) !== undefined) return null;
      const rows = loadAll(LISTING_ENTRIES_MAX + 1);
      if (rows.length > LISTING_ENTRIES_MAX) {
        this.tooBig.set(parent, true);
        return null;
      }
      listing = { entries: new Map(), lastSeq: 0n };
      for (const r of rows) listing.entries.set(r.name, { seq: r.seq, child: r.child });
      listing.lastSeq = rows.at(-1)?.seq ?? 0n;
      this.dirs.set(parent, listing);
    }
    const out: ListingRow[] = [];
    if (limit <= 0) return out;
    for (const [name, e] of listing.entries) {
      if (e.seq <= afterSeq) continue;
      out.push({ name, seq: e.seq, child: e.child });
      if (out.length >= limit) break;
    }
    return out;
  }

  inserted(parent: bigint, row: ListingRow): void {
    const listing = this.dirs.get(parent);
    if (listing === undefined) return;
    if (row.seq <= listing.lastSeq || listing.entries.size >= LISTING_ENTRIES_MAX) {
      this.dirs.delete(parent);
      return;
    }
    listing.entries.set(row.name, { seq: row.seq, child: row.child });
    listing.lastSeq = row.seq;
  }

  deleted(parent: bigint, name: string): void {
    this.dirs.get(parent)?.entries.delete(name);
  }

  /** Forgets one directory (rolled-back writes, a removed directory). */
  drop(parent: bigint): void {
    this.dirs.delete(parent);
    this.tooBig.delete(parent);
  }

  clear(): void {
    this.dirs.clear();
    this.tooBig.clear();
  }
}

/**
 * Ordered directory listings of the SQLite store, kept in memory: a readdir page of a cached
 * directory costs a Map walk instead of an index range scan plus one primary-key lookup per row
 * (measured ~1–2 µs per entry, most of a READDIRPLUS page). Write-through like the store's other
 * caches (one daemon owns the file). A directory's entries are a Map whose insertion order is seq
 * order, filled as pages are read: it holds every entry from the start of the directory up to
 * `coveredTo` (all of them once `complete`), so the first listing costs the same queries as
 * without the cache and later ones none. New entries always take the directory's next seq: they
 * append to a complete listing and lie past `coveredTo` of a partial one (read later from SQLite).
 * A listing that would pass LISTING_ENTRIES_MAX is dropped and its directory paged from SQLite.
 * A page that ends inside memory leaves a cursor (the Map iterator, which stays valid across
 * inserts and deletes, and the page's rows): a next page resuming after any of those rows (NFS
 * sends what fits of a page) continues there instead of walking past every earlier entry again
 * (a 2,000-entry directory read in 40 pages walked 40,000 entries for 2,000 listed).
 */
import { BoundedCache } from "./lru.ts";

/** Entries of the largest directory whose listing is cached. */
export const LISTING_ENTRIES_MAX = 4096;
/** Directories whose listing is cached at once (at most LISTING_DIRS_MAX × LISTING_ENTRIES_MAX entries). */
export const LISTING_DIRS_MAX = 64;
/** Cursors kept per directory (clients listing it at once); the oldest goes first. */
const CURSORS_MAX = 8;
/** Directories remembered as too big to cache. */
const TOO_BIG_DIRS_MAX = 1024;

export interface ListingRow {
  name: string;
  seq: bigint;
  child: bigint;
}

type Entries = Map<string, { seq: bigint; child: bigint }>;
type EntryIterator = MapIterator<[string, { seq: bigint; child: bigint }]>;

interface Listing {
  entries: Entries;
  /** Where pages stopped, newest last (fromMemory). */
  cursors: Cursor[];
  /** Every entry with seq <= coveredTo is in `entries`. */
  coveredTo: bigint;
  /** Every entry of the directory is in `entries`. */
  complete: boolean;
  lastSeq: bigint;
}

/** `load(afterSeq, limit)` reads entries with seq > afterSeq in seq order from SQLite. */
export type LoadRows = (afterSeq: bigint, limit: number) => ListingRow[];

export class DirListings {
  private readonly dirs = new BoundedCache<bigint, Listing>(LISTING_DIRS_MAX);
  private readonly tooBig = new BoundedCache<bigint, true>(TOO_BIG_DIRS_MAX);

  /** Entries with seq > afterSeq, in seq order, at most `limit`: from memory where covered. */
  page(parent: bigint, afterSeq: bigint, limit: number, load: LoadRows): ListingRow[] {
    let listing = this.dirs.get(parent);
    if (listing === undefined) {
      // Listings start at the start of a directory: a resumed page elsewhere goes to SQLite.
      if (afterSeq !== 0n || this.tooBig.get(parent) !== undefined) return load(afterSeq, limit);
      listing = { entries: new Map(), cursors: [], coveredTo: 0n, complete: false, lastSeq: 0n };
      this.dirs.set(parent, listing);
    }
    const out: ListingRow[] = [];
    if (limit <= 0) return out;
    if (fromMemory(listing, afterSeq, limit, out)) return out;
    if (listing.complete) return out;
    // Past what memory covers: read on from SQLite, and keep the rows if they continue the listing.
    const from = afterSeq > listing.coveredTo ? afterSeq : listing.coveredTo;
    const want = limit - out.length;
    const rows = load(from, want);
    out.push(...rows);
    if (from === listing.coveredTo) this.extend(parent, listing, rows, rows.length < want);
    return out;
  }

  private extend(parent: bigint, listing: Listing, rows: ListingRow[], complete: boolean): void {
    if (listing.entries.size + rows.length > LISTING_ENTRIES_MAX) {
      this.dirs.delete(parent);
      this.tooBig.set(parent, true);
      return;
    }
    for (const r of rows) listing.entries.set(r.name, { seq: r.seq, child: r.child });
    const last = rows.at(-1)?.seq;
    if (last !== undefined) {
      listing.coveredTo = last;
      if (last > listing.lastSeq) listing.lastSeq = last;
    }
    listing.complete = complete;
  }

  inserted(parent: bigint, row: ListingRow): void {
    const listing = this.dirs.get(parent);
    if (listing === undefined) return;
    if (row.seq <= listing.lastSeq || row.seq <= listing.coveredTo) {
      // Not after everything read so far (the service never does this): start over.
      this.dirs.delete(parent);
      return;
    }
    listing.lastSeq = row.seq;
    if (!listing.complete) return;
    if (listing.entries.size >= LISTING_ENTRIES_MAX) {
      this.dirs.delete(parent);
      return;
    }
    listing.entries.set(row.name, { seq: row.seq, child: row.child });
    listing.coveredTo = row.seq;
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

/**
 * Where a page that filled up in memory stopped: its iterator, positioned just past the last of
 * `rows`, the entries the page walked. A next page resuming after any of them (an NFS reply sends
 * a prefix of the page: what fits) starts with the rows after its cookie, then the iterator.
 */
interface Cursor {
  it: EntryIterator;
  rows: ListingRow[];
}

/** Takes the cursor whose rows hold `afterSeq`: its iterator and its rows after that cookie. */
function takeCursor(listing: Listing, afterSeq: bigint): Cursor | undefined {
  const { cursors } = listing;
  for (let i = cursors.length - 1; i >= 0; i--) {
    const { it, rows } = cursors[i]!;
    if (afterSeq < rows[0]!.seq || afterSeq > rows[rows.length - 1]!.seq) continue;
    cursors.splice(i, 1);
    let k = rows.length;
    while (k > 0 && rows[k - 1]!.seq > afterSeq) k--;
    return { it, rows: rows.slice(k) };
  }
  return undefined;
}

/**
 * Appends the cached entries after `afterSeq` to `out`, from a cursor that holds `afterSeq` when
 * there is one. True when the page filled up in memory; its rows then leave a cursor.
 */
function fromMemory(listing: Listing, afterSeq: bigint, limit: number, out: ListingRow[]): boolean {
  const { entries, cursors } = listing;
  const c = takeCursor(listing, afterSeq);
  const it = c?.it ?? entries.entries();
  // The rows from the page's first up to the iterator's position (a cursor's: those still there).
  const span: ListingRow[] = [];
  for (const r of c?.rows ?? []) if (entries.get(r.name)?.seq === r.seq) span.push(r);
  while (span.length < limit) {
    const r = it.next();
    if (r.done) break;
    const [name, e] = r.value;
    // Entries are in seq order: past a cursor every entry is newer; from the start, skip to afterSeq.
    if (e.seq > afterSeq) span.push({ name, seq: e.seq, child: e.child });
  }
  for (let i = 0; i < span.length && i < limit; i++) out.push(span[i]!);
  if (span.length < limit) return false;
  if (cursors.length >= CURSORS_MAX) cursors.shift();
  cursors.push({ it, rows: span });
  return true;
}

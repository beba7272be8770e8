/**
 * Case-insensitive name lookup, for SMB: Windows and Samba open "FOO" when "foo" exists, and a
 * create of "FOO" there finds "foo" ([MS-FSA] §2.1.5.1: without FILE_FLAG_POSIX_SEMANTICS names
 * compare case-insensitively, [MS-FSCC] §2.1.5 "case-insensitive"). NFS stays case-sensitive.
 *
 * An exact match costs what a case-sensitive lookup costs (one entry read). Only a miss consults
 * the directory's folded names: an in-memory index per directory built once from a listing and
 * caught up by entry sequence (every new entry gets the directory's next `entrySeq`, readdir.ts),
 * so a miss in a directory that changed by one create reads one entry, not the whole directory.
 * Removed names are not seen by the catch-up: a candidate is confirmed with an exact read and
 * dropped if it is gone; an index that has collected as many additions as it had names is rebuilt.
 * The indexes are bounded (FOLDED_NAMES_MAX names across directories, least recently used go);
 * a directory larger than FOLDED_DIR_MAX is scanned page by page on each miss instead.
 */
import { FsError } from "../domain/errors.ts";
import {
  type EntryRecord,
  type InodeRecord,
  LIST_ENTRIES_MAX,
  type MetadataStore,
} from "./metadata-store.ts";

/** A directory as the index needs it: the store it is in, a key unique across stores, its record. */
export interface FoldedDir {
  store: MetadataStore;
  /** Unique per directory across the service's stores (share key, store epoch, id). */
  key: string;
  rec: Pick<InodeRecord, "id" | "entrySeq">;
}

/** Names held in all directory indexes together. */
export const FOLDED_NAMES_MAX = 200_000;
/** A directory with more entries is not indexed (it would take most of the budget). */
export const FOLDED_DIR_MAX = 50_000;
/** Additions an index takes before it is rebuilt, beyond the names it was built with. */
const REBUILD_SLACK = 1024;

const ASCII = /^[\x20-\x7e]*$/;

/**
 * The folded (upper-case) form names are compared in: per UTF-16 code unit, as Windows' upcase
 * table maps them (a character whose upper case is longer, like U+00DF, stays itself).
 */
export function foldName(name: string): string {
  if (ASCII.test(name)) return name.toUpperCase();
  let out = "";
  for (const c of name.split("")) {
    const u = c.toUpperCase();
    out += u.length === 1 ? u : c;
  }
  return out;
}

interface DirIndex {
  /** Stored names by folded form. */
  names: Map<string, string[]>;
  count: number;
  /** Names the index was (re)built with: additions past it plus REBUILD_SLACK trigger a rebuild. */
  built: number;
  /** Entries with a larger sequence number are not in the index yet. */
  seq: bigint;
}

export interface FoldedMatch {
  entry: EntryRecord;
  name: string;
}

/** The folded-name indexes of one metadata service (ServiceCore.folded). */
export class FoldedNames {
  /** By `<share key>:<store epoch>:<directory id>`, least recently used first. */
  private readonly dirs = new Map<string, DirIndex>();
  private total = 0;

  constructor(
    private readonly namesMax = FOLDED_NAMES_MAX,
    private readonly dirMax = FOLDED_DIR_MAX,
  ) {}

  /** Names held across directories (tests). */
  get size(): number {
    return this.total;
  }

  /** The entry of `dir` whose name folds as `name` does, or undefined. */
  async find(dir: FoldedDir, name: string): Promise<FoldedMatch | undefined> {
    const fold = foldName(name);
    const index = await this.index(dir);
    if (index === null) return scan(dir.store, dir.rec.id, fold);
    const candidates = index.names.get(fold);
    if (candidates === undefined) return undefined;
    for (const stored of [...candidates]) {
      const entry = await dir.store.getEntry(dir.rec.id, stored);
      if (entry !== undefined) return { entry, name: stored };
      this.drop(index, fold, stored);
    }
    return undefined;
  }

  /** The index of `dir`, caught up to its entry sequence; null for a directory too large. */
  private async index(dir: FoldedDir): Promise<DirIndex | null> {
    const key = dir.key;
    let index = this.dirs.get(key);
    if (index !== undefined) {
      this.dirs.delete(key);
      if (index.count - index.built > index.built + REBUILD_SLACK) {
        this.total -= index.count;
        index = undefined;
      }
    }
    index ??= { names: new Map(), count: 0, built: -1, seq: 0n };
    // Registered before the listing awaits, so the budget counts what it adds.
    this.dirs.set(key, index);
    if (dir.rec.entrySeq > index.seq && !(await this.catchUp(dir.store, dir.rec.id, index))) {
      this.dirs.delete(key);
      this.total -= index.count;
      return null;
    }
    if (index.built < 0) index.built = index.count;
    this.evict(key);
    return index;
  }

  /** Adds the entries after `index.seq`; false when the directory is too large to index. */
  private async catchUp(store: MetadataStore, dirId: bigint, index: DirIndex): Promise<boolean> {
    for (;;) {
      const page = await store.listEntries(dirId, index.seq, LIST_ENTRIES_MAX);
      for (const e of page) {
        if (add(index, e.name)) this.total++;
        if (e.seq > index.seq) index.seq = e.seq;
      }
      if (index.count > this.dirMax) return false;
      if (page.length < LIST_ENTRIES_MAX) return true;
    }
  }

  private drop(index: DirIndex, fold: string, stored: string): void {
    const list = index.names.get(fold);
    if (list === undefined) return;
    const rest = list.filter((n) => n !== stored);
    if (rest.length === list.length) return;
    if (rest.length === 0) index.names.delete(fold);
    else index.names.set(fold, rest);
    index.count--;
    this.total--;
  }

  /** Drops least recently used indexes (never `keep`) until the budget holds. */
  private evict(keep: string): void {
    for (const [key, index] of this.dirs) {
      if (this.total <= this.namesMax) return;
      if (key === keep) continue;
      this.dirs.delete(key);
      this.total -= index.count;
    }
  }
}

/** Adds `name` to the index; false if it was there. */
function add(index: DirIndex, name: string): boolean {
  const fold = foldName(name);
  const list = index.names.get(fold);
  if (list === undefined) index.names.set(fold, [name]);
  else if (!list.includes(name)) list.push(name);
  else return false;
  index.count++;
  return true;
}

/** A directory too large to index: its entries page by page until one folds as `fold`. */
async function scan(store: MetadataStore, dirId: bigint, fold: string): Promise<FoldedMatch | undefined> {
  let after = 0n;
  for (;;) {
    const page = await store.listEntries(dirId, after, LIST_ENTRIES_MAX);
    for (const e of page) {
      if (foldName(e.name) !== fold) continue;
      const entry = await store.getEntry(dirId, e.name);
      if (entry !== undefined) return { entry, name: e.name };
    }
    if (page.length < LIST_ENTRIES_MAX) return undefined;
    after = page[page.length - 1]!.seq;
  }
}

/** ENOENT unless `dir` has an entry folding as `name` does. */
export async function findFolded(folded: FoldedNames, dir: FoldedDir, name: string): Promise<FoldedMatch> {
  const m = await folded.find(dir, name);
  if (m === undefined) throw new FsError("ENOENT", name);
  return m;
}

/**
 * SQLite metadata store (better-sqlite3): one file per store, WAL journal, prepared statements.
 * One daemon owns the file, so a write-through LRU of inodes and directory entries (including
 * known-absent names) in front of it stays coherent: every write goes through this object.
 * Transactions run one at a time, each as a SAVEPOINT inside a batch transaction that the last
 * of a burst COMMITs for all (group commit, sqlite-batch.ts). On rollback to its savepoint the
 * cache forgets every key the transaction touched. When SQLite rolls the whole batch back by itself (a full disk: SQLITE_FULL), every member fails (ENOSPC),
 * the cache is cleared and the next transaction starts a new batch.
 *
 * A lazy transaction (TxOptions.lazy: the size and mtime of an UNSTABLE WRITE) settles at its
 * savepoint's RELEASE: a burst of only lazy members leaves the batch open, and the next durable
 * member's COMMIT, a persist() of an inode it changed, close() or SQLITE_LAZY_COMMIT_MS later
 * commits it (docs/architecture.md "Sizes of unstable writes").
 *
 * Durability: `synchronous=NORMAL` in WAL mode — a commit survives a process crash (kill -9); a
 * power loss may lose the last commits before the next checkpoint, never corrupt the file.
 * Checkpoints run on a worker thread (sqlite-checkpoint.ts), not inside a COMMIT on ours.
 */
import type Database from "better-sqlite3";
import { FsError } from "../../domain/errors.ts";
import type {
  EntryRecord,
  InodeRecord,
  ListedEntry,
  MetadataStore,
  MetadataTx,
  NewInode,
  StoreHealth,
  StoreUsage,
  TxOptions,
} from "../metadata-store.ts";
import { BoundedCache } from "./lru.ts";
import { type InodeRow, inodeValues, rowToInode } from "./sql-rows.ts";
import { type Batch, GroupCommit } from "./sqlite-batch.ts";
import { SqliteCheckpointer } from "./sqlite-checkpoint.ts";
import { DirListings, type ListingRow } from "./sqlite-listings.ts";
import { SqliteNamedAttrs } from "./sqlite-named-attrs.ts";
import {
  firstFreeId,
  openDatabase,
  prepareAll,
  readEpoch,
  type SqliteStoreOptions,
} from "./sqlite-schema.ts";

export { SQLITE_WAL_CHECKPOINT_PAGES, type SqliteStoreOptions } from "./sqlite-schema.ts";

type Rec = Readonly<InodeRecord>;

export const SQLITE_INODE_CACHE_MAX = 200_000;
export const SQLITE_ENTRY_CACHE_MAX = 200_000;
/** fileids reserved per meta-table write. */
export const SQLITE_ID_RESERVE = 1024n;

function entryKey(parent: bigint, name: string): string {
  return `${parent}/${name}`;
}

export class SqliteMetadataStore implements MetadataStore {
  readonly type = "sqlite";
  private readonly st: ReturnType<typeof prepareAll>;
  private readonly named: SqliteNamedAttrs;
  private readonly inodes = new BoundedCache<bigint, Rec>(SQLITE_INODE_CACHE_MAX);
  private readonly entries = new BoundedCache<string, EntryRecord | null>(SQLITE_ENTRY_CACHE_MAX);
  private readonly listings = new DirListings();
  private touched: { inodes: bigint[]; entries: string[]; dirs: bigint[] } | null = null;
  private readonly commits: GroupCommit;

  /** Ids below this are recorded as reserved in the database (by a committed or open write). */
  private reservedUpTo = 0n;

  /** WAL checkpoints off the event loop. */
  readonly checkpointer: SqliteCheckpointer;

  private constructor(
    private readonly db: Database.Database,
    readonly epoch: number,
    private nextId: bigint,
    path: string,
    opts: SqliteStoreOptions,
  ) {
    this.st = prepareAll(db);
    this.commits = new GroupCommit(db, this.st, {
      lost: () => this.forgetAll(),
      committed: () => this.checkpointer.committed(),
    });
    this.named = new SqliteNamedAttrs(db);
    this.checkpointer = new SqliteCheckpointer(path, opts.checkpointEveryCommits);
  }

  static open(path: string, opts: SqliteStoreOptions = {}): SqliteMetadataStore {
    const db = openDatabase(path, opts);
    return new SqliteMetadataStore(db, readEpoch(db), firstFreeId(db), path, opts);
  }

  transaction<T>(fn: (tx: MetadataTx) => Promise<T>, opts?: TxOptions): Promise<T> {
    const lazy = opts?.lazy === true;
    return this.commits.run(lazy, (batch) => this.savepoint(fn, lazy ? batch : null));
  }

  persist(ids: readonly bigint[]): Promise<void> {
    return this.commits.persist(ids);
  }

  private async savepoint<T>(fn: (tx: MetadataTx) => Promise<T>, lazyIn: Batch | null): Promise<T> {
    this.st.savepoint.run();
    this.touched = { inodes: [], entries: [], dirs: [] };
    try {
      const out = await fn(this.tx);
      this.st.release.run();
      if (lazyIn !== null) for (const id of this.touched.inodes) lazyIn.lazy.add(id);
      return out;
    } catch (e) {
      if (!this.db.inTransaction) {
        // SQLite rolled the whole batch back by itself (SQLITE_FULL, IOERR, NOMEM: "Response To
        // Errors Within A Transaction"): every member of it lost its writes, not just this one.
        this.commits.lose(e);
        throw e;
      }
      this.st.rollbackTo.run();
      this.st.release.run();
      // The reservation may have been written by this savepoint: write it again when next needed.
      this.reservedUpTo = 0n;
      for (const id of this.touched.inodes) this.inodes.delete(id);
      for (const k of this.touched.entries) this.entries.delete(k);
      for (const d of this.touched.dirs) this.listings.drop(d);
      throw e;
    } finally {
      this.touched = null;
    }
  }

  /** A lost batch: the caches hold its writes, so forget everything. */
  private forgetAll(): void {
    this.reservedUpTo = 0n;
    this.inodes.clear();
    this.entries.clear();
    this.listings.clear();
  }

  /** Statements for a read outside the cache; a closed handle is EIO, not better-sqlite3's TypeError. */
  private reads(): ReturnType<typeof prepareAll> {
    if (!this.db.open) throw new FsError("EIO", "store closed");
    return this.st;
  }

  /**
   * Writes run only inside the batch: after SQLite rolled a batch back by itself, a body that
   * caught the error must not go on writing in autocommit mode, outside any transaction.
   */
  private inBatch(): void {
    if (!this.db.inTransaction) throw new FsError("EIO", "sqlite: transaction rolled back");
  }

  getInode(id: bigint): Rec | undefined {
    const hit = this.inodes.get(id);
    if (hit !== undefined) return hit;
    const row = this.reads().getInode.get(id) as InodeRow | undefined;
    if (row === undefined) return undefined;
    const rec = rowToInode(row);
    this.inodes.set(id, rec);
    return rec;
  }

  getEntry(parent: bigint, name: string): EntryRecord | undefined {
    const key = entryKey(parent, name);
    const hit = this.entries.get(key);
    if (hit !== undefined) return hit ?? undefined;
    const row = this.reads().getEntry.get(parent, name) as { child: number; seq: number } | undefined;
    const rec = row === undefined ? null : { parent, name, child: BigInt(row.child), seq: BigInt(row.seq) };
    this.entries.set(key, rec);
    return rec ?? undefined;
  }

  listEntries(parent: bigint, afterSeq: bigint, limit: number): ListedEntry[] {
    // Entries from the listing cache (or SQLite for a big directory), inodes through the inode
    // cache: a listed directory is usually hot already.
    const rows = this.listings.page(parent, afterSeq, limit, (after, max) =>
      this.listRows(parent, after, max),
    );
    const out: ListedEntry[] = [];
    for (const r of rows) {
      const inode = this.getInode(r.child);
      if (inode !== undefined) out.push({ name: r.name, seq: r.seq, inode });
    }
    return out;
  }

  private listRows(parent: bigint, afterSeq: bigint, limit: number): ListingRow[] {
    const rows = this.reads().list.all(parent, afterSeq, limit) as {
      name: string;
      seq: number;
      child: number;
    }[];
    return rows.map((r) => ({ name: r.name, seq: BigInt(r.seq), child: BigInt(r.child) }));
  }

  getRoot(share: string): bigint | undefined {
    const row = this.reads().getRoot.get(share) as { id: number } | undefined;
    return row === undefined ? undefined : BigInt(row.id);
  }

  usage(root: bigint): StoreUsage {
    const row = this.reads().usage.get(root) as { files: number; bytes: number };
    return { files: row.files, bytes: row.bytes };
  }

  orphans(root: bigint, limit: number): bigint[] {
    return (this.reads().orphans.all(root, limit) as { id: number }[]).map((r) => BigInt(r.id));
  }

  async health(): Promise<StoreHealth> {
    const start = performance.now();
    try {
      this.db.prepare("SELECT 1").get();
      return { ok: !this.commits.closed, latencyMs: performance.now() - start };
    } catch (e) {
      return { ok: false, latencyMs: performance.now() - start, detail: (e as Error).message };
    }
  }

  async close(): Promise<void> {
    if (this.commits.closed) return;
    // Let running transactions finish; the last of them left its batch open for us (we were
    // queued behind it, or it was lazy), so commit that batch before closing the handle.
    await this.commits.close(async () => {
      await this.checkpointer.close();
      this.db.close();
    });
  }

  /**
   * Ids come from memory and are reserved in blocks in the meta table (instead of AUTOINCREMENT,
   * which writes one more page per create), inside the transaction that needs them.
   */
  private allocateId(): bigint {
    if (this.nextId >= this.reservedUpTo) {
      this.reservedUpTo = this.nextId + SQLITE_ID_RESERVE;
      this.st.reserveIds.run(String(this.reservedUpTo));
    }
    return this.nextId++;
  }

  private touchInode(id: bigint): void {
    this.touched?.inodes.push(id);
  }

  private touchEntry(parent: bigint, key: string): void {
    this.touched?.entries.push(key);
    this.touched?.dirs.push(parent);
  }

  private readonly tx: MetadataTx = {
    lock: () => {},
    lockNamespace: () => {},
    getInode: (id) => this.getInode(id),
    insertInode: (rec: NewInode) => {
      this.inBatch();
      const id = this.allocateId();
      const full: Rec = {
        ...rec,
        id,
        root: rec.root === 0n ? id : rec.root,
        parent: rec.type === "dir" && rec.parent === 0n ? id : rec.parent,
      };
      this.touchInode(id);
      this.st.insertInode.run(id, ...inodeValues(full));
      this.inodes.set(id, full);
      return full;
    },
    updateInode: (rec) => {
      this.inBatch();
      this.touchInode(rec.id);
      if (this.st.updateInode.run(...inodeValues(rec), rec.id).changes === 0) throw new FsError("ESTALE");
      this.inodes.set(rec.id, rec);
    },
    deleteInode: (id) => {
      this.inBatch();
      this.touchInode(id);
      this.inodes.delete(id);
      this.listings.drop(id);
      if (this.st.deleteInode.run(id).changes === 0) throw new FsError("ESTALE");
      this.named.removeAll(id);
    },
    getNamedAttr: (id, kind, name) => this.named.read(id, kind, name),
    listNamedAttrs: (id, kind) => this.named.all(id, kind),
    listNamedAttrSizes: (id, kind) => this.named.sizes(id, kind),
    putNamedAttr: (id, kind, name, value) => {
      this.inBatch();
      this.named.write(id, kind, name, value);
    },
    deleteNamedAttr: (id, kind, name) => {
      this.inBatch();
      this.named.remove(id, kind, name);
    },
    getEntry: (parent, name) => this.getEntry(parent, name),
    insertEntry: (e) => {
      this.inBatch();
      const key = entryKey(e.parent, e.name);
      this.touchEntry(e.parent, key);
      try {
        this.st.insertEntry.run(e.parent, e.name, e.child, e.seq);
      } catch (err) {
        if ((err as { code?: string }).code?.startsWith("SQLITE_CONSTRAINT"))
          throw new FsError("EEXIST", e.name);
        throw err;
      }
      this.entries.set(key, { ...e });
      this.listings.inserted(e.parent, e);
    },
    deleteEntry: (parent, name) => {
      this.inBatch();
      const key = entryKey(parent, name);
      this.touchEntry(parent, key);
      if (this.st.deleteEntry.run(parent, name).changes === 0) throw new FsError("ENOENT", name);
      this.entries.set(key, null);
      this.listings.deleted(parent, name);
    },
    hasEntries: (parent) => this.st.hasEntries.get(parent) !== undefined,
    setRoot: (share, id) => {
      this.inBatch();
      this.st.setRoot.run(share, id);
    },
  };
}

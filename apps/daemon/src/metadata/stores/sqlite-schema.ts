/** The SQLite metadata store's schema, connection settings, prepared statements and start-up reads (ids, epoch). */
import { randomInt } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { FsError } from "../../domain/errors.ts";
import { INODE_COLUMNS } from "./sql-rows.ts";

/** SQLite's own page cache (the default 2 MiB thrashes on a few thousand files). */
export const SQLITE_PAGE_CACHE_KIB = 65_536;
/**
 * Pages of WAL before SQLite checkpoints by itself, inside a COMMIT on the event loop. The worker
 * (every SQLITE_CHECKPOINT_EVERY_COMMITS) copies the pages first, but under a steady writer the
 * WAL only rewinds after a checkpoint the writer runs itself: this one, which then has only the
 * last few hundred frames left to copy. It also bounds the WAL file (~32 MiB).
 */
export const SQLITE_WAL_CHECKPOINT_PAGES = 8000;
export interface SqliteStoreOptions {
  /** Largest database file (SQLite max_page_count); a transaction growing it beyond fails ENOSPC. */
  maxBytes?: number;
  /** Commits between checkpoints on the worker thread (default SQLITE_CHECKPOINT_EVERY_COMMITS). */
  checkpointEveryCommits?: number;
}

/** Opens (or makes) the database file with the store's settings and schema; EIO if it cannot. */
export function openDatabase(path: string, opts: SqliteStoreOptions): Database.Database {
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma(`cache_size = -${SQLITE_PAGE_CACHE_KIB}`);
    db.pragma(`wal_autocheckpoint = ${SQLITE_WAL_CHECKPOINT_PAGES}`);
    db.pragma("temp_store = MEMORY");
    db.pragma("busy_timeout = 5000");
    if (opts.maxBytes !== undefined) {
      const pageSize = db.pragma("page_size", { simple: true }) as number;
      db.pragma(`max_page_count = ${Math.max(1, Math.floor(opts.maxBytes / pageSize))}`);
    }
    db.exec(SCHEMA);
    upgradeSchema(db);
    return db;
  } catch (e) {
    db.close();
    throw new FsError("EIO", `sqlite ${path}: ${(e as Error).message}`);
  }
}

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS roots (share TEXT PRIMARY KEY, id INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS inodes (
  id INTEGER PRIMARY KEY,
  root INTEGER NOT NULL, parent INTEGER NOT NULL, type TEXT NOT NULL, mode INTEGER NOT NULL,
  nlink INTEGER NOT NULL, uid INTEGER NOT NULL, gid INTEGER NOT NULL, size INTEGER NOT NULL,
  rdev_major INTEGER NOT NULL, rdev_minor INTEGER NOT NULL,
  atime_s INTEGER NOT NULL, atime_ns INTEGER NOT NULL, mtime_s INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
  ctime_s INTEGER NOT NULL, ctime_ns INTEGER NOT NULL, btime_s INTEGER NOT NULL, btime_ns INTEGER NOT NULL,
  change_s INTEGER, change_ns INTEGER, change_at_s INTEGER, change_at_ns INTEGER,
  dos INTEGER NOT NULL, payload_id TEXT, target TEXT, verifier BLOB, entry_seq INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS entries (
  parent INTEGER NOT NULL, name TEXT NOT NULL, child INTEGER NOT NULL, seq INTEGER NOT NULL,
  PRIMARY KEY (parent, name)
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS entries_seq ON entries (parent, seq);
`;

/** Columns added after the first release, for databases created before them (SQLite has no ADD COLUMN IF NOT EXISTS). */
const ADDED_COLUMNS = ["change_s", "change_ns", "change_at_s", "change_at_ns"] as const;

function upgradeSchema(db: Database.Database): void {
  const have = new Set((db.pragma("table_info(inodes)") as { name: string }[]).map((c) => c.name));
  for (const c of ADDED_COLUMNS) if (!have.has(c)) db.exec(`ALTER TABLE inodes ADD COLUMN ${c} INTEGER`);
}

export function prepareAll(db: Database.Database) {
  const cols = INODE_COLUMNS.join(", ");
  return {
    begin: db.prepare("BEGIN IMMEDIATE"),
    commit: db.prepare("COMMIT"),
    rollback: db.prepare("ROLLBACK"),
    savepoint: db.prepare("SAVEPOINT tx"),
    release: db.prepare("RELEASE tx"),
    rollbackTo: db.prepare("ROLLBACK TO tx"),
    getInode: db.prepare("SELECT * FROM inodes WHERE id = ?"),
    insertInode: db.prepare(
      `INSERT INTO inodes (id, ${cols}) VALUES (?, ${INODE_COLUMNS.map(() => "?").join(", ")})`,
    ),
    reserveIds: db.prepare(
      "INSERT INTO meta (key, value) VALUES ('id_hwm', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    ),
    updateInode: db.prepare(
      `UPDATE inodes SET ${INODE_COLUMNS.map((c) => `${c} = ?`).join(", ")} WHERE id = ?`,
    ),
    deleteInode: db.prepare("DELETE FROM inodes WHERE id = ?"),
    getEntry: db.prepare("SELECT child, seq FROM entries WHERE parent = ? AND name = ?"),
    insertEntry: db.prepare("INSERT INTO entries (parent, name, child, seq) VALUES (?, ?, ?, ?)"),
    deleteEntry: db.prepare("DELETE FROM entries WHERE parent = ? AND name = ?"),
    hasEntries: db.prepare("SELECT 1 FROM entries WHERE parent = ? LIMIT 1"),
    list: db.prepare(
      "SELECT name, seq, child FROM entries WHERE parent = ? AND seq > ? ORDER BY seq LIMIT ?",
    ),
    getRoot: db.prepare("SELECT id FROM roots WHERE share = ?"),
    setRoot: db.prepare(
      "INSERT INTO roots (share, id) VALUES (?, ?) ON CONFLICT (share) DO UPDATE SET id = excluded.id",
    ),
    usage: db.prepare(
      "SELECT count(*) AS files, coalesce(sum(CASE WHEN type = 'file' THEN size ELSE 0 END), 0) AS bytes " +
        "FROM inodes WHERE root = ?",
    ),
    orphans: db.prepare("SELECT id FROM inodes WHERE root = ? AND nlink = 0 LIMIT ?"),
  };
}

/** fileids never come back: the next id is above every id in use and every id ever reserved. */
export function firstFreeId(db: Database.Database): bigint {
  const max = db.prepare("SELECT max(id) AS id FROM inodes").get() as { id: number | null };
  const hwm = db.prepare("SELECT value FROM meta WHERE key = 'id_hwm'").get() as
    | { value: string }
    | undefined;
  const afterMax = BigInt(max.id ?? 0) + 1n;
  const reserved = hwm === undefined ? 0n : BigInt(hwm.value);
  return afterMax > reserved ? afterMax : reserved;
}

export function readEpoch(db: Database.Database): number {
  const row = db.prepare("SELECT value FROM meta WHERE key = 'epoch'").get() as { value: string } | undefined;
  if (row !== undefined) return Number(row.value);
  const epoch = randomInt(1, 0xffffffff);
  db.prepare("INSERT INTO meta (key, value) VALUES ('epoch', ?)").run(String(epoch));
  return epoch;
}

/**
 * The CRUD contract below MetadataService. Stores hold inodes, directory entries and share roots;
 * they know nothing of permissions, protocols or time rules (the service owns those) and throw
 * `FsError` with errno codes only.
 *
 * Atomicity: every mutation happens inside `transaction(fn)`. A transaction is all-or-nothing: if
 * `fn` throws, none of its writes are visible afterwards. Memory and SQLite run transactions one at
 * a time (a store-wide mutex); PostgreSQL runs them concurrently at READ COMMITTED and relies on
 * `tx.lock()` row locks (taken by the service on every inode it will change, before reading them)
 * plus `tx.lockNamespace()` for directory moves, and retries the whole `fn` on serialization
 * failure or deadlock — so `fn` must have no side effects outside the transaction.
 *
 * Reads outside a transaction (`getInode`, `getEntry`, `listEntries`) see committed state on
 * PostgreSQL; on memory and SQLite they may also see a transaction that is in progress (the service
 * performs every check before its first write, so such a transaction practically never rolls back).
 *
 * Records returned are values the caller must not mutate (typed `Readonly`); write a new object.
 */
import type { SharedContentStore } from "../domain/block-map.ts";
import type { NamedAttr, NamedAttrKind, NamedAttrSize } from "./named-attr-types.ts";
import type { FileType, Timespec } from "./types.ts";

export type { NamedAttr, NamedAttrKind, NamedAttrSize };

export type Awaitable<T> = T | Promise<T>;

export interface InodeRecord {
  /** fileid: unique in the store, never 0, never reused. */
  id: bigint;
  /** Root directory of the share tree the inode belongs to (a root names itself). */
  root: bigint;
  /** Directories: the containing directory (a root names itself). Other types: 0n. */
  parent: bigint;
  type: FileType;
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  size: number;
  rdevMajor: number;
  rdevMinor: number;
  atime: Timespec;
  mtime: Timespec;
  ctime: Timespec;
  btime: Timespec;
  /**
   * A change time set explicitly (SMB FileBasicInformation.ChangeTime, [MS-FSCC] §2.4.7), reported
   * instead of `ctime` while `ctime` still equals `at` (the ctime the set itself gave): `ctime` keeps
   * moving on every change for NFS, and an explicit value lasts until the file's next change
   * (docs/architecture.md "Times").
   */
  changeTime: ChangeTimeSet | null;
  dosAttributes: number;
  payloadId: string | null;
  /** Symlink target. */
  target: string | null;
  /** RFC 1813 §3.3.8 EXCLUSIVE create verifier, kept so a retried CREATE succeeds. */
  verifier: Buffer | null;
  /** Directories: the last entry sequence number handed out (readdir cookies). */
  entrySeq: bigint;
}

export interface ChangeTimeSet {
  time: Timespec;
  at: Timespec;
}

/** `root: 0n` means "the new inode itself" (a share root); so does `parent: 0n` for a directory. */
export type NewInode = Omit<InodeRecord, "id">;

export interface EntryRecord {
  parent: bigint;
  name: string;
  child: bigint;
  /** Per-directory monotonic sequence: the readdir cookie that resumes after this entry. */
  seq: bigint;
}

export interface ListedEntry {
  name: string;
  seq: bigint;
  inode: Readonly<InodeRecord>;
}

export interface StoreUsage {
  files: number;
  bytes: number;
}

export interface StoreHealth {
  ok: boolean;
  latencyMs: number;
  detail?: string;
}

/** Operations inside one transaction; each sees the transaction's own earlier writes. */
export interface MetadataTx {
  /** Row-locks these inodes until commit (PostgreSQL, in id order); a no-op for serial stores. */
  lock(ids: readonly bigint[]): Awaitable<void>;
  /** Serializes namespace-shape changes (a directory moving to another parent) store-wide. */
  lockNamespace(): Awaitable<void>;
  getInode(id: bigint): Awaitable<Readonly<InodeRecord> | undefined>;
  /** Allocates the id. */
  insertInode(rec: NewInode): Awaitable<Readonly<InodeRecord>>;
  /** Replaces the whole record. ESTALE if it does not exist. */
  updateInode(rec: Readonly<InodeRecord>): Awaitable<void>;
  /**
   * ESTALE if it does not exist. Its named attributes go with it; entries pointing at it are the
   * caller's business.
   */
  deleteInode(id: bigint): Awaitable<void>;
  /** The inode's named attribute `(kind, name)` (names compare exactly), or undefined. */
  getNamedAttr(id: bigint, kind: NamedAttrKind, name: string): Awaitable<Buffer | undefined>;
  /** Every named attribute of `kind` on the inode, in name order. */
  listNamedAttrs(id: bigint, kind: NamedAttrKind): Awaitable<NamedAttr[]>;
  /** The names and value lengths of `kind` on the inode, in name order, without reading the values. */
  listNamedAttrSizes(id: bigint, kind: NamedAttrKind): Awaitable<NamedAttrSize[]>;
  /** Inserts or replaces `(kind, name)` on the inode. */
  putNamedAttr(id: bigint, kind: NamedAttrKind, name: string, value: Buffer): Awaitable<void>;
  /** ENOENT if `(kind, name)` does not exist on the inode. */
  deleteNamedAttr(id: bigint, kind: NamedAttrKind, name: string): Awaitable<void>;
  getEntry(parent: bigint, name: string): Awaitable<EntryRecord | undefined>;
  /** EEXIST if `(parent, name)` exists. */
  insertEntry(entry: EntryRecord): Awaitable<void>;
  /** ENOENT if `(parent, name)` does not exist. */
  deleteEntry(parent: bigint, name: string): Awaitable<void>;
  hasEntries(parent: bigint): Awaitable<boolean>;
  /** Records (or replaces) the root directory of a share. */
  setRoot(share: string, id: bigint): Awaitable<void>;
}

export interface TxOptions {
  /**
   * The caller does not wait for durability (the size and mtime of an UNSTABLE WRITE): the
   * transaction settles once its writes are visible to every read, and they become durable with
   * a later transaction's commit, `persist` of an inode it changed, `close`, or within a second;
   * a crash may lose them (docs/architecture.md "Sizes of unstable writes"). Stores that commit
   * every transaction on its own (memory, PostgreSQL, which other daemons read) ignore it.
   */
  lazy?: boolean;
}

export interface MetadataStore {
  readonly type: "memory" | "sqlite" | "postgres";
  /** Random per store incarnation, persisted with the store: handles from another one are stale. */
  readonly epoch: number;
  transaction<T>(fn: (tx: MetadataTx) => Promise<T>, opts?: TxOptions): Promise<T>;
  /**
   * Makes durable what lazy transactions changed of these inodes; settles at once when nothing
   * of theirs waits. Fails (ENOSPC, EIO) when the commit that held them was lost. Absent on
   * stores that ignore `lazy`.
   */
  persist?(ids: readonly bigint[]): Promise<void>;
  getInode(id: bigint): Awaitable<Readonly<InodeRecord> | undefined>;
  getEntry(parent: bigint, name: string): Awaitable<EntryRecord | undefined>;
  /** Entries with `seq > afterSeq`, in seq order, at most `limit`. */
  listEntries(parent: bigint, afterSeq: bigint, limit: number): Awaitable<ListedEntry[]>;
  getRoot(share: string): Awaitable<bigint | undefined>;
  /** Inode count and summed file sizes of one share tree. */
  usage(root: bigint): Awaitable<StoreUsage>;
  /** Inodes of a share tree with nlink 0 (unlinked while open; left by a crash). */
  orphans(root: bigint, limit: number): Awaitable<bigint[]>;
  health(): Promise<StoreHealth>;
  close(): Promise<void>;
  /**
   * The block map and sweep catalog that shared (scale-out) mode needs, for a store that can back
   * it (today PostgreSQL, stores/postgres-blocks.ts); absent on the others.
   */
  readonly sharedContent?: SharedContentStore;
}

/** A limit on readdir pages a store is ever asked for. */
export const LIST_ENTRIES_MAX = 4096;

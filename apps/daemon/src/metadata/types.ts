/**
 * The metadata contract shared by protocol adapters (callers), MetadataService (implementation)
 * and metadata stores (CRUD below the service). Protocol adapters import only the types in this
 * file (with named-attr-types.ts and lock-types.ts) and `MetadataService`; they never import a store.
 *
 * Units: sizes and offsets are `number` (safe integers, files < 8 PiB); `fileid` is `bigint`
 * (an opaque 64-bit identity, never 0); times are `Timespec` (seconds + nanoseconds since the
 * Unix epoch). Protocols convert to wire types (nfstime3, FILETIME) at their boundary.
 */
import type { ShareInfo } from "../domain/share.ts";
import type { LockRange } from "./lock-types.ts";
import type { NamedAttr, NamedAttrChange, NamedAttrKind, NamedAttrSize } from "./named-attr-types.ts";

export type FileType = "file" | "dir" | "symlink" | "chr" | "blk" | "sock" | "fifo";

export interface Timespec {
  sec: number;
  nsec: number;
}

export interface FileAttr {
  type: FileType;
  /** Permission bits including setuid (0o4000), setgid (0o2000) and sticky (0o1000). */
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  size: number;
  /** Bytes of storage used (rounded to blocks); FSSTAT/SMB allocation size. */
  used: number;
  /** Shared by attributes of the same device numbers (never changed in place). */
  rdev: Readonly<{ major: number; minor: number }>;
  /** Filesystem id of the share (stable, derived from the share). */
  fsid: bigint;
  fileid: bigint;
  atime: Timespec;
  mtime: Timespec;
  ctime: Timespec;
  /** Creation time, for SMB. */
  btime: Timespec;
  /**
   * SMB ChangeTime: `ctime`, or a value set explicitly (SetAttrs.changeTime) until the file's
   * next change. NFS reports `ctime`, which moves on every change (the set included).
   */
  changeTime: Timespec;
  /** SMB DOS attribute bits kept on the file (hidden, system, archive, readonly). */
  dosAttributes: number;
  /** Where the content lives in the PayloadService; `null` for non-regular files. */
  payloadId: string | null;
}

/** The identity a request runs as, before share squash is applied by the service. */
export interface Caller {
  uid: number;
  gid: number;
  gids: readonly number[];
  /**
   * The protocol that makes the call ("smb"), so a change gate can skip changes its own protocol
   * already coordinates. Absent means "some other client" (NFS, the control plane).
   */
  origin?: string;
  /**
   * rwx bits (R=4, W=2, X=1) a stored ACL granted this caller on the object the call names,
   * decided by the file service's [MS-DTYP] §2.5.3.2 check (an SMB open's access at CREATE): the
   * mode checks of that object pass them as if its class held them. Only calls that check that
   * one object carry it (READ, WRITE, SETATTR and listing through an open).
   */
  aclBits?: number;
  /**
   * A stored ACL granted this caller FILE_WRITE_ATTRIBUTES on the object the call names (an SMB
   * open's access at CREATE): its times and DOS attributes may be set as by its owner, as
   * [MS-FSA] §2.1.5.14.2 asks only for that right. Only SETATTR through an open carries it.
   */
  aclWriteAttributes?: boolean;
}

/**
 * Caller.aclBits for each object a rename checks, as SMB's stored ACLs grant them (files/names.ts):
 * the source directory (DELETE on the file), the target directory (FILE_ADD_FILE or
 * FILE_ADD_SUBDIRECTORY) and a directory changing parent (its ".." is rewritten).
 */
export interface RenameGrants {
  from?: number;
  to?: number;
  moved?: number;
}

/** Fields to change; `undefined` means leave as is. `"now"` asks for the server's time. */
export interface SetAttrs {
  mode?: number;
  uid?: number;
  gid?: number;
  size?: number;
  atime?: Timespec | "now";
  mtime?: Timespec | "now";
  btime?: Timespec;
  /**
   * SMB ChangeTime ([MS-FSA] §2.1.5.14.2); `ctime` still moves to the server's time. `"keep"`:
   * the change time reads as before this change (an SMB open with Open.UserSetChangeTime).
   */
  changeTime?: Timespec | "keep";
  dosAttributes?: number;
}

export interface DirEntry {
  name: string;
  fileid: bigint;
  /** Cookie to resume *after* this entry; stable across concurrent inserts/removals. */
  cookie: bigint;
  handle: Buffer;
  attr: FileAttr;
}

export interface ReaddirResult {
  entries: DirEntry[];
  eof: boolean;
  /** Cookie verifier (RFC 1813 cookieverf3) for the directory's current generation. */
  verifier: Buffer;
  /** The directory's attributes as the listing read them (NFS READDIR's dir_attributes, "."). */
  dirAttr: FileAttr;
}

export interface FsStat {
  totalBytes: number;
  freeBytes: number;
  availBytes: number;
  totalFiles: number;
  freeFiles: number;
  availFiles: number;
}

/** Pre-operation attributes for weak cache consistency (RFC 1813 §2.6 wcc_attr). */
export interface WccAttr {
  size: number;
  mtime: Timespec;
  ctime: Timespec;
}

export interface LookupResult {
  handle: Buffer;
  attr: FileAttr;
}

export interface MutationResult extends LookupResult {
  /** Parent directory before and after, for wcc_data. */
  dirBefore: WccAttr;
  dirAfter: FileAttr;
  /**
   * UNCHECKED create over an existing file that applied the requested size: the size before,
   * so the file service truncates the payload when it changed.
   */
  sizeBefore?: number;
  /** A new inode was made (not an existing name's, as UNCHECKED or EXCLUSIVE may return). */
  created?: boolean;
}

export interface DirChangeResult {
  dirBefore: WccAttr;
  dirAfter: FileAttr;
}

/**
 * A file whose last link and last open reference went: its inode stays with nlink 0 until the file
 * service has deleted the payload and then calls `reap` (docs/architecture.md "Removing a file").
 */
export interface Orphan {
  handle: Buffer;
  payloadId: string;
}

/** REMOVE: the directory change, and the orphan left when the last link went (null otherwise). */
export interface RemoveResult extends DirChangeResult {
  orphan: Orphan | null;
}

export type CreateHow =
  | { mode: "unchecked" }
  | { mode: "guarded" }
  /** RFC 1813 §3.3.8 EXCLUSIVE: a retry with the same verifier must succeed. */
  | { mode: "exclusive"; verifier: Buffer };

/** Access bits (RFC 1813 §3.3.4 ACCESS3_*), used by both NFS ACCESS and SMB access checks. */
export const ACCESS_READ = 0x0001;
export const ACCESS_LOOKUP = 0x0002;
export const ACCESS_MODIFY = 0x0004;
export const ACCESS_EXTEND = 0x0008;
export const ACCESS_DELETE = 0x0010;
export const ACCESS_EXECUTE = 0x0020;

/**
 * What protocol adapters call. All methods throw `FsError`. `caller` is the identity before
 * squash; the service applies the share's squash, read-only flag and permission checks.
 */
export interface MetadataService {
  /** Handle of a share's root directory; ENOENT for an unknown share. */
  rootHandle(shareName: string): Buffer;
  /** The share a handle belongs to; ESTALE (unknown share) or EBADHANDLE (malformed). */
  shareOf(handle: Buffer): ShareInfo;

  getattr(handle: Buffer): Promise<FileAttr>;
  setattr(
    caller: Caller,
    handle: Buffer,
    attrs: SetAttrs,
    guardCtime?: Timespec,
  ): Promise<{ before: WccAttr; after: FileAttr }>;
  lookup(caller: Caller, dir: Buffer, name: string): Promise<LookupResult>;
  /** `lookup` with the directory's attributes, read with the directory's permission check. */
  lookupWithDir(caller: Caller, dir: Buffer, name: string): Promise<LookupResult & { dirAttr: FileAttr }>;
  /**
   * `lookup` where, when no entry matches exactly, one matching case-insensitively is found
   * (SMB's name rules, metadata/folded-names.ts); `name` is the entry's name as stored.
   */
  lookupCaseless(caller: Caller, dir: Buffer, name: string): Promise<LookupResult & { name: string }>;
  /** The subset of `mask` (ACCESS_* bits) the caller is granted, with the file's attributes. */
  access(caller: Caller, handle: Buffer, mask: number): Promise<{ granted: number; attr: FileAttr }>;
  /** A symlink's target (EINVAL for another type), with its attributes. */
  readlink(caller: Caller, handle: Buffer): Promise<{ target: string; attr: FileAttr }>;

  create(caller: Caller, dir: Buffer, name: string, attrs: SetAttrs, how: CreateHow): Promise<MutationResult>;
  mkdir(caller: Caller, dir: Buffer, name: string, attrs: SetAttrs): Promise<MutationResult>;
  symlink(
    caller: Caller,
    dir: Buffer,
    name: string,
    target: string,
    attrs: SetAttrs,
  ): Promise<MutationResult>;
  mknod(
    caller: Caller,
    dir: Buffer,
    name: string,
    type: "chr" | "blk" | "sock" | "fifo",
    attrs: SetAttrs,
    rdev: { major: number; minor: number },
  ): Promise<MutationResult>;
  remove(caller: Caller, dir: Buffer, name: string): Promise<RemoveResult>;
  rmdir(caller: Caller, dir: Buffer, name: string): Promise<DirChangeResult>;
  rename(
    caller: Caller,
    fromDir: Buffer,
    fromName: string,
    toDir: Buffer,
    toName: string,
    grants?: RenameGrants,
  ): Promise<{
    fromBefore: WccAttr;
    fromAfter: FileAttr;
    toBefore: WccAttr;
    toAfter: FileAttr;
    /** The replaced file, when that was its last link. */
    orphan: Orphan | null;
  }>;
  link(
    caller: Caller,
    file: Buffer,
    dir: Buffer,
    name: string,
  ): Promise<{ attr: FileAttr; dirBefore: WccAttr; dirAfter: FileAttr }>;
  /**
   * Entries after `cookie` (0 = start), at most `maxEntries`. A cookie from an older verifier
   * still resumes correctly where possible; EBADCOOKIE only when it cannot.
   */
  readdir(
    caller: Caller,
    dir: Buffer,
    cookie: bigint,
    verifier: Buffer | null,
    maxEntries: number,
  ): Promise<ReaddirResult>;
  fsstat(handle: Buffer): Promise<FsStat>;

  /** Checks write permission and type; returns what the data path needs. */
  prepareWrite(caller: Caller, handle: Buffer): Promise<{ payloadId: string; before: WccAttr }>;
  /**
   * After payload bytes landed: extend size to `end` if larger, bump mtime/ctime, clear
   * setuid/setgid. `lazy` (an UNSTABLE write): seen by every read at once, durable by `persist`
   * at the latest (a SQLite store commits it later; docs/architecture.md "Sizes of unstable writes").
   */
  commitWrite(handle: Buffer, end: number, lazy?: boolean): Promise<FileAttr>;
  /** Makes durable what lazy `commitWrite`s of the file left uncommitted (COMMIT, FLUSH, CLOSE). */
  persist(handle: Buffer): Promise<void>;
  /** Checks read permission and type; returns the attributes (size bounds the read). */
  prepareRead(caller: Caller, handle: Buffer): Promise<{ payloadId: string; attr: FileAttr }>;
  /**
   * prepareRead without a promise when the store reads synchronously (the READ hot path,
   * files/data.ts): its answer itself, failures thrown; else the same promise.
   */
  prepareReadNow(
    caller: Caller,
    handle: Buffer,
  ): { payloadId: string; attr: FileAttr } | Promise<{ payloadId: string; attr: FileAttr }>;

  /** The named stream or EA `(kind, name)` of the file (read permission); ENOENT if none. */
  namedAttr(caller: Caller, handle: Buffer, kind: NamedAttrKind, name: string): Promise<Buffer>;
  /** Every named stream or EA of the file, in name order. */
  namedAttrs(handle: Buffer, kind: NamedAttrKind): Promise<NamedAttr[]>;
  /** The names and sizes of the file's named streams or EAs, in name order (values not read). */
  namedAttrSizes(handle: Buffer, kind: NamedAttrKind): Promise<NamedAttrSize[]>;
  /**
   * Changes one named stream or EA (write permission, within metadata/ops/named-attrs.ts limits:
   * EFBIG for a stream too large, ENOSPC for too many or EAs over their total); returns
   * its size afterwards.
   */
  changeNamedAttr(
    caller: Caller,
    handle: Buffer,
    kind: NamedAttrKind,
    name: string,
    change: NamedAttrChange,
  ): Promise<number>;

  /** The file's stored ACL (a self-relative security descriptor), or null (metadata/ops/acl.ts). */
  acl(handle: Buffer): Promise<Buffer | null>;
  /**
   * Stores (or with null removes) the file's ACL and sets its permission bits to `mode`, as the
   * owner or root (EPERM); a chmod through `setattr` removes a stored ACL.
   */
  setAcl(caller: Caller, handle: Buffer, acl: Buffer | null, mode: number): Promise<FileAttr>;

  /** Open-file references keep an unlinked file's payload until the last `release`. */
  retain(handle: Buffer): void;
  /** Drops a reference; the last one of an unlinked file returns it as an orphan. */
  release(handle: Buffer): Promise<Orphan | null>;
  /** Deletes an orphan's inode once its payload is gone; a no-op if it is open or linked again. */
  reap(handle: Buffer): Promise<void>;
  /**
   * Orphans left by a crash between the payload delete and `reap` (or while files were open),
   * at most ORPHAN_SWEEP_MAX, not open in this process. Only for a store no other daemon serves:
   * open references live in memory, so another daemon's open file would look like an orphan here
   * (the file service skips scale-out shared shares, files/orphans.ts).
   */
  orphans(shareName: string): Promise<Orphan[]>;

  /** Byte-range locks on the share's LockManager (NLM and SMB LOCK share it). */
  lock(handle: Buffer, range: LockRange, wait: boolean, signal?: AbortSignal): Promise<void>;
  /**
   * The first conflicting lock, or null (NLM TEST). `io`: the range is about to be read (shared)
   * or written (exclusive) rather than locked: the owner's own locks never stop it, except a
   * Windows owner's shared lock its write (SMB READ/WRITE, FILE_LOCK_CONFLICT).
   */
  testLock(handle: Buffer, range: LockRange, io?: boolean): LockRange | null;
  /** False when a Windows owner holds no lock of exactly that range (SMB: RANGE_NOT_LOCKED). */
  unlock(handle: Buffer, range: Omit<LockRange, "kind">): boolean;
  /** The locks on the file held by `owner` (NFSv4 RELEASE_LOCKOWNER / FREE_STATEID: LOCKS_HELD). */
  locksOf(handle: Buffer, owner: string): LockRange[];
  /** Drops every lock held by owners starting with `ownerPrefix` (client gone, FREE_ALL). */
  unlockAll(ownerPrefix: string): void;
}

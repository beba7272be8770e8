/**
 * The file service: the one thing protocols call for file operations (docs/architecture.md "Layers").
 * A protocol resolves the handle once (resolve), then makes one call per request; the operation
 * modules order the metadata and payload steps, validating everything before changing anything.
 */

import type { Logger } from "pino";
import type { ShareInfo } from "../domain/share.ts";
import type { ShareAccess } from "../domain/share-access.ts";
import type { TrafficSink } from "../domain/stats.ts";
import { checkHandle } from "../metadata/handle.ts";
import type {
  Caller,
  CreateHow,
  DirChangeResult,
  FileAttr,
  FsStat,
  LockRange,
  LookupResult,
  MetadataService,
  MutationResult,
  NamedAttr,
  ReaddirResult,
  SetAttrs,
  WccAttr,
} from "../metadata/types.ts";
import type { PayloadService } from "../payload/types.ts";
import {
  type ChangeGate,
  type DirChangeListener,
  FileChanges,
  type FileModifiedListener,
} from "./changes.ts";
import { type CloseRequest, close } from "./close.ts";
import { commit, read, revalidate, write } from "./data.ts";
import { eas, setEas } from "./eas.ts";
import {
  addLockGrace,
  checkLockAccess,
  checkReserveGrace,
  inLockGrace,
  type LockDeps,
  type LockGrace,
  type LockRequest,
  lock,
  locksOf,
  releaseOwner,
  reserve,
  testLock,
  unlock,
  unreserve,
} from "./locks.ts";
import { type MakeRequest, make } from "./make.ts";
import {
  type LinkRequest,
  type LinkResult,
  link,
  type RenameResult,
  remove,
  rename,
  rmdir,
} from "./names.ts";
import type { SecurityDescriptor } from "./nt-acl/sd.ts";
import { type OpenRequest, type OpenResult, open, type Walked, type WalkOptions, walk } from "./open.ts";
import { Orphans, sweepOrphans } from "./orphans.ts";
import { access, fsstat, type LookupWithDir, lookup, readlink } from "./query.ts";
import { type ReaddirPage, type ReaddirRequest, readdir } from "./readdir.ts";
import { type Grants, NO_USERS, type ResolveOptions, resolveCall, sharePolicy } from "./resolve.ts";
import { type RenameAcl, type SecurityChange, security, setattrKeepingAcl, setSecurity } from "./security.ts";
import { create } from "./setattr.ts";
import { ShareModes, type ShareReservation } from "./share-modes.ts";
import { streamToData } from "./stream-data.ts";
import {
  type OpenedStream,
  openStream,
  renameStream,
  type StreamInfo,
  streamSize,
  streams,
} from "./streams.ts";
import type {
  FileCall,
  OpenDisposition,
  ReadRequest,
  ReadResult,
  SetAttrRequest,
  WriteRequest,
  WriteResult,
} from "./types.ts";

export { AccessRefused, type ResolveOptions } from "./resolve.ts";

export class FileService {
  private readonly d: LockDeps;
  private readonly identity: Grants;

  constructor(deps: {
    metadata: MetadataService;
    payload: PayloadService;
    identity?: Grants;
    /** Where a directory listener's or an orphan's reap failure is reported (neither fails the call). */
    logger?: Pick<Logger, "error" | "warn">;
    /** Counts READ/WRITE bytes per share and client (runtime/traffic.ts). */
    traffic?: TrafficSink;
    /** How long removed files' orphans wait to be finished together (orphans.ts REAP_BATCH_DELAY_MS). */
    reapBatchDelayMs?: number;
  }) {
    const changes = new FileChanges((err) =>
      deps.logger?.error({ err }, "files: directory change listener failed"),
    );
    this.d = {
      metadata: deps.metadata,
      payload: deps.payload,
      modes: new ShareModes(),
      graces: new Set(),
      changes,
      orphans: new Orphans(deps, deps.logger, deps.reapBatchDelayMs),
      traffic: deps.traffic,
    };
    this.identity = deps.identity ?? NO_USERS;
  }

  /**
   * Registers a gate awaited before a READ/WRITE, SETATTR, REMOVE or RENAME of a file (see
   * FileChangeIntent: SMB breaks oplocks and leases); returns the function that removes it.
   */
  addChangeGate(gate: ChangeGate): () => void {
    return this.d.changes.addGate(gate);
  }

  /** The fileid a handle names (no lookup: the handle carries it); EBADHANDLE if malformed. */
  fileidOf(handle: Buffer): bigint {
    return checkHandle(handle);
  }

  /** Registers a listener told of every name added to or removed from a directory; returns its remover. */
  addDirChangeListener(listener: DirChangeListener): () => void {
    return this.d.changes.addListener(listener);
  }

  /** Registers a listener told of every file written or whose attributes were set; returns its remover. */
  addModifiedListener(listener: FileModifiedListener): () => void {
    return this.d.changes.addModifiedListener(listener);
  }

  /**
   * The call context for `handle`: its share looked up once, share-level access checked (share
   * enabled for the protocol, read-only). ESTALE for an unknown share, EBADHANDLE for a
   * malformed handle. Per-call access control for every protocol runs here.
   */
  resolve(caller: Caller, handle: Buffer, opts: ResolveOptions = {}): FileCall {
    return resolveCall(this.d.metadata.shareOf(handle), this.identity, caller, handle, opts);
  }

  /** The handle of the share's root directory (NFSv4 pseudo file system); ENOENT for an unknown share. */
  rootHandle(shareName: string): Buffer {
    return this.d.metadata.rootHandle(shareName);
  }

  /**
   * The attributes of any handle, no call context or access policy involved, null when they cannot
   * be read: what an NFS failure reply carries about the handles it names (RFC 1813 §3.3
   * post_op_attr / wcc_data), where the call may have failed on the handle itself.
   */
  async attrOrNull(handle: Buffer): Promise<FileAttr | null> {
    try {
      return await this.d.metadata.getattr(handle);
    } catch {
      return null;
    }
  }

  /**
   * The root of the share `shareName` as a call context, through resolve's checks: MOUNT and
   * TREE_CONNECT. ENOENT for a share the metadata service does not serve.
   */
  connect(caller: Caller, shareName: string, opts: ResolveOptions): FileCall {
    return this.resolve(caller, this.d.metadata.rootHandle(shareName), opts);
  }

  /**
   * What the share's access policy gives the peer or user of `opts` (undefined: neither given,
   * decided elsewhere); MOUNT EXPORT lists the shares where it is more than "none".
   */
  policy(share: ShareInfo, opts: ResolveOptions): ShareAccess | undefined {
    return sharePolicy(share, this.identity, opts);
  }

  /**
   * The hot path: one metadata read (and a shared-mode share's cache check), nothing allocated
   * here (a stream open: the stream's sizes).
   */
  getattr(f: FileCall): Promise<FileAttr> {
    if (f.stream !== undefined) return streamSize(this.d, f);
    // The metadata read's own promise unless the share runs in shared mode (no frame, no hop).
    if (this.d.payload.validates?.(f.share.name) !== true) return this.d.metadata.getattr(f.handle);
    return this.d.metadata.getattr(f.handle).then(async (attr) => {
      const validating = revalidate(this.d, f.share.name, attr, "getattr");
      if (validating !== undefined) await validating;
      return attr;
    });
  }

  /** The extended attributes of the file `f`, in name order (files/eas.ts). */
  eas(f: FileCall): Promise<NamedAttr[]> {
    return eas(this.d, f);
  }

  /** Sets (or with an empty value removes) each EA of `list` on the file `f`, in order. */
  setEas(f: FileCall, list: readonly NamedAttr[]): Promise<void> {
    return setEas(this.d, f, list);
  }

  /** The file's security descriptor: its stored ACL or the one its mode shows (files/security.ts). */
  security(f: FileCall): Promise<SecurityDescriptor> {
    return security(this.d, f);
  }

  /** Changes owner, group and/or DACL; a DACL is stored, the mode set to its approximation. */
  setSecurity(f: FileCall, c: SecurityChange): Promise<FileAttr> {
    return setSecurity(this.d, f, c);
  }

  /** The named streams of the file `f` with their sizes ([MS-FSCC] §2.4.43 FileStreamInformation). */
  streams(f: FileCall): Promise<StreamInfo[]> {
    return streams(this.d, f);
  }

  /**
   * Opens the stream `name` of the opened file `f` as `disposition` says, `admit` first
   * (files/streams.ts); the stream's stored name, action and size.
   */
  openStream(
    f: FileCall,
    name: string,
    disposition: OpenDisposition,
    admit: (name: string) => void | Promise<void>,
  ): Promise<OpenedStream> {
    return openStream(this.d, f, name, disposition, admit);
  }

  /**
   * Renames the stream of the stream call `f` to `to` (EEXIST unless `replace`; files/streams.ts),
   * or with `to` null makes it the file's data (files/stream-data.ts).
   */
  renameStream(f: FileCall, to: string | null, replace: boolean): Promise<void> {
    return to === null ? streamToData(this.d, f, replace) : renameStream(this.d, f, to, replace);
  }

  /** `name` in the directory `dir`, with the directory's attributes. */
  lookup(dir: FileCall, name: string): Promise<LookupWithDir> {
    return lookup(this.d, dir, name);
  }

  /**
   * `name` in the directory `dir`, nothing else read (SMB: QUERY_DIRECTORY of one exact name),
   * with its name as stored (another case with `caseless`).
   */
  async find(dir: FileCall, name: string, o: WalkOptions = {}): Promise<LookupResult & { name: string }> {
    const md = this.d.metadata;
    const found = o.caseless
      ? await md.lookupCaseless(dir.caller, dir.handle, name)
      : { ...(await md.lookup(dir.caller, dir.handle, name)), name };
    const validating = revalidate(this.d, dir.share.name, found.attr, "lookup");
    if (validating !== undefined) await validating;
    return found;
  }

  /** The subset of `mask` (ACCESS_* bits) mode bits and the share's access policy grant. */
  access(f: FileCall, mask: number): Promise<{ attr: FileAttr; granted: number }> {
    return access(this.d, f, mask);
  }

  readlink(f: FileCall): Promise<{ attr: FileAttr; target: string }> {
    return readlink(this.d, f);
  }

  /** Space and file counts of the share holding `f`, with the attributes of `f` (NFS FSSTAT). */
  fsstat(f: FileCall): Promise<{ attr: FileAttr; st: FsStat }> {
    return fsstat(this.d, f);
  }

  /** Space and file counts of the share holding `f` alone (SMB file-system information). */
  fsCounts(f: FileCall): Promise<FsStat> {
    return this.d.metadata.fsstat(f.handle);
  }

  /**
   * At most `max` of the directory's own entries after `cookie` (no "." or ".."): SMB
   * QUERY_DIRECTORY, which makes its dot entries from the open's directory and parent.
   */
  entries(dir: FileCall, cookie: bigint, verifier: Buffer | null, max: number): Promise<ReaddirResult> {
    return this.d.metadata.readdir(dir.caller, dir.handle, cookie, verifier, max);
  }

  /** A page of the directory `dir` with "." and ".." first, and the directory's attributes. */
  readdir(dir: FileCall, r: ReaddirRequest): Promise<ReaddirPage> {
    return readdir(this.d, dir, r);
  }

  write(f: FileCall, w: WriteRequest): Promise<WriteResult> {
    return write(this.d, f, w);
  }

  read(f: FileCall, r: ReadRequest): Promise<ReadResult> {
    return read(this.d, f, r);
  }

  /** NFS COMMIT / SMB FLUSH; `nonFileOk` turns EINVAL on a symlink or device into a no-op. */
  commit(f: FileCall, nonFileOk = false): Promise<{ before: FileAttr; after: FileAttr }> {
    return commit(this.d, f, nonFileOk);
  }

  setattr(f: FileCall, s: SetAttrRequest): Promise<{ before: WccAttr; after: FileAttr }> {
    return setattrKeepingAcl(this.d, f, s);
  }

  /** The end of an open: commit what it wrote, unlink on delete-on-close, release its reference. */
  close(f: FileCall, c: CloseRequest): Promise<void> {
    return close(this.d, f, c);
  }

  /**
   * Looks `path` up below the directory `dir`; a missing or non-directory component on the way is
   * PathNotFound, a missing last component a null target.
   */
  walk(dir: FileCall, path: readonly string[], o?: WalkOptions): Promise<Walked> {
    return walk(this.d, dir, path, o);
  }

  /**
   * Opens (or creates, overwrites, supersedes) `r.path` below `dir` and takes an open reference
   * that FileService.close releases (files/open.ts).
   */
  open(dir: FileCall, r: OpenRequest): Promise<OpenResult> {
    return open(this.d, dir, r);
  }

  /**
   * An open reference on a file found without `open` (NFSv4 OPEN looks up or creates by name):
   * an unlinked file keeps its data until FileService.close with `retained` releases it, as for
   * an SMB open. ENOSPC past the open-file limit.
   */
  retain(f: FileCall): void {
    this.d.metadata.retain(f.handle);
  }

  /**
   * Reaps the orphans a crash left in the share (files/orphans.ts): the Runtime calls it once the
   * share is registered with the metadata and payload services. Returns how many there were.
   */
  sweepOrphans(shareName: string): Promise<number> {
    return sweepOrphans(this.d, shareName);
  }

  /** Resolves once the payload deletes and inode removals of removed files started so far settled. */
  reaped(): Promise<void> {
    return this.d.orphans.settled();
  }

  /** A regular file named `name` in the directory `dir`. */
  create(dir: FileCall, name: string, attrs: SetAttrs, how: CreateHow): Promise<MutationResult> {
    return create(this.d, dir, name, attrs, how);
  }

  /** A directory, symlink or special file named `name` in the directory `dir`. */
  make(dir: FileCall, name: string, attrs: SetAttrs, m: MakeRequest): Promise<MutationResult> {
    return make(this.d, dir, name, attrs, m);
  }

  /** Unlinks the non-directory `name` of `dir`; its payload goes once the inode does. */
  remove(dir: FileCall, name: string): Promise<DirChangeResult> {
    return remove(this.d, dir, name);
  }

  /** Removes the empty directory `name` of `dir`. */
  rmdir(dir: FileCall, name: string): Promise<DirChangeResult> {
    return rmdir(this.d, dir, name);
  }

  /**
   * Moves `fromName` of `from` to `toName` of `toDir` (same share), replacing what is there; with
   * `acl` (SMB) stored ACLs decide too (security.ts renameGrants).
   */
  rename(
    from: FileCall,
    fromName: string,
    toDir: Buffer,
    toName: string,
    acl?: RenameAcl,
  ): Promise<RenameResult> {
    return rename(this.d, from, fromName, toDir, toName, acl);
  }

  /** A hard link `l.name` in `dir` to `l.file`. */
  link(dir: FileCall, l: LinkRequest): Promise<LinkResult> {
    return link(this.d, dir, l);
  }

  /** A byte-range lock for `r.owner` (files/locks.ts); EAGAIN on conflict unless it waits. */
  lock(f: FileCall, r: LockRequest): Promise<void> {
    return lock(this.d, f, r);
  }

  /** The first lock of another owner conflicting with `range`, or null. */
  testLock(f: FileCall, range: LockRange): LockRange | null {
    return testLock(this.d, f, range);
  }

  /** False when a Windows owner holds no lock of exactly that range (metadata/lock-manager.ts). */
  unlock(f: FileCall, range: Omit<LockRange, "kind">): boolean {
    return unlock(this.d, f, range);
  }

  /** The locks `owner` holds on the file. */
  locksOf(f: FileCall, owner: string): LockRange[] {
    return locksOf(this.d, f, owner);
  }

  /** EACCES unless the caller may take a shared (read) or exclusive (write) lock on the file. */
  checkLockAccess(f: FileCall, exclusive: boolean): Promise<void> {
    return checkLockAccess(this.d, f, exclusive);
  }

  /**
   * A restart's grace period for every protocol's locks (files/locks.ts): new locks wait or get
   * EGRACE while it is active. Returns the function that removes it.
   */
  addLockGrace(g: LockGrace): () => void {
    return addLockGrace(this.d, g);
  }

  /** True while a grace period runs: only reclaims take locks. */
  inLockGrace(): boolean {
    return inLockGrace(this.d);
  }

  /**
   * The owner's open share reservation on the file (files/share-modes.ts); EBUSY on conflict,
   * EGRACE for one newly denying reading or writing in a grace period unless `reclaim`.
   */
  reserve(f: FileCall, r: ShareReservation, opts: { reclaim?: boolean } = {}): void {
    reserve(this.d, f, r, opts.reclaim === true);
  }

  /**
   * reserve's grace rule alone, for an open that must be refused before it creates its file
   * (NFSv4 OPEN4_CREATE): EGRACE if a reservation of `access`/`deny` may not be taken now.
   */
  checkReserveGrace(r: Pick<ShareReservation, "access" | "deny">, opts: { reclaim?: boolean } = {}): void {
    checkReserveGrace(this.d, r, opts.reclaim === true);
  }

  unreserve(f: FileCall, owner: string): void {
    unreserve(this.d, f, owner);
  }

  /** Drops the locks and share reservations of every owner starting with `ownerPrefix`. */
  releaseOwner(ownerPrefix: string): void {
    releaseOwner(this.d, ownerPrefix);
  }
}

/**
 * The file service: the one thing protocols call for file operations (docs/architecture.md "Layers").
 * A protocol resolves the handle once (resolve), then makes one call per request; the operation
 * modules order the metadata and payload steps, validating everything before changing anything.
 * The read-only requests (resolve, attributes, lookups, READ, listings) are FileQueries'
 * (queries.ts); this class adds every request that changes something.
 */

import type { Logger } from "pino";
import type { TrafficSink } from "../domain/stats.ts";
import type { LockRange } from "../metadata/lock-types.ts";
import type { NamedAttr } from "../metadata/named-attr-types.ts";
import type {
  CreateHow,
  DirChangeResult,
  FileAttr,
  MetadataService,
  MutationResult,
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
import { commit, write } from "./data.ts";
import { setEas } from "./eas.ts";
import {
  addLockGrace,
  checkLockAccess,
  checkReserveGrace,
  type LockDeps,
  type LockGrace,
  type LockRequest,
  lock,
  releaseOwner,
  reserve,
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
import { type OpenRequest, type OpenResult, open } from "./open.ts";
import { Orphans, sweepOrphans } from "./orphans.ts";
import { FileQueries } from "./queries.ts";
import { type Grants, NO_USERS } from "./resolve.ts";
import { type RenameAcl, type SecurityChange, setattrKeepingAcl, setSecurity } from "./security.ts";
import { create } from "./setattr.ts";
import { ShareModes, type ShareReservation } from "./share-modes.ts";
import { streamToData } from "./stream-data.ts";
import { type OpenedStream, openStream, renameStream } from "./streams.ts";
import type { FileCall, OpenDisposition, SetAttrRequest, WriteRequest, WriteResult } from "./types.ts";

export { AccessRefused } from "./resolve.ts";

export class FileService extends FileQueries {
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
    const d: LockDeps = {
      metadata: deps.metadata,
      payload: deps.payload,
      modes: new ShareModes(),
      graces: new Set(),
      changes,
      orphans: new Orphans(deps, deps.logger, deps.reapBatchDelayMs),
      traffic: deps.traffic,
    };
    super(d, deps.identity ?? NO_USERS);
  }

  /**
   * Registers a gate awaited before a READ/WRITE, SETATTR, REMOVE or RENAME of a file (see
   * FileChangeIntent: SMB breaks oplocks and leases); returns the function that removes it.
   */
  addChangeGate(gate: ChangeGate): () => void {
    return this.d.changes.addGate(gate);
  }

  /** Registers a listener told of every name added to or removed from a directory; returns its remover. */
  addDirChangeListener(listener: DirChangeListener): () => void {
    return this.d.changes.addListener(listener);
  }

  /** Registers a listener told of every file written or whose attributes were set; returns its remover. */
  addModifiedListener(listener: FileModifiedListener): () => void {
    return this.d.changes.addModifiedListener(listener);
  }

  /** Sets (or with an empty value removes) each EA of `list` on the file `f`, in order. */
  setEas(f: FileCall, list: readonly NamedAttr[]): Promise<void> {
    return setEas(this.d, f, list);
  }

  /** Changes owner, group and/or DACL; a DACL is stored, the mode set to its approximation. */
  setSecurity(f: FileCall, c: SecurityChange): Promise<FileAttr> {
    return setSecurity(this.d, f, c);
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

  write(f: FileCall, w: WriteRequest): Promise<WriteResult> {
    return write(this.d, f, w);
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

  /** False when a Windows owner holds no lock of exactly that range (metadata/lock-manager.ts). */
  unlock(f: FileCall, range: Omit<LockRange, "kind">): boolean {
    return unlock(this.d, f, range);
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

/**
 * What the operation modules share: share state, handle resolution, identity and open references.
 * The DefaultMetadataService owns one ServiceCore.
 */
import type { Logger } from "pino";
import { FsError } from "../domain/errors.ts";
import { isPending } from "../domain/pending.ts";
import type { ShareInfo } from "../domain/share.ts";
import { toFileAttr } from "./attr.ts";
import { Clock } from "./clock.ts";
import { FoldedNames } from "./folded-names.ts";
import { checkHandle, encodeHandle, handleEpoch, handleKeyHex, sameKey } from "./handle.ts";
import type { LockManager } from "./lock-manager.ts";
import type { InodeRecord, MetadataStore, StoreUsage } from "./metadata-store.ts";
import { effectiveIdentity, type Identity } from "./permissions.ts";
import type { Caller, FileAttr, Orphan } from "./types.ts";

export type Rec = Readonly<InodeRecord>;

export interface ShareState {
  info: ShareInfo;
  store: MetadataStore;
  root: bigint;
  key: Buffer;
  keyHex: string;
  fsid: bigint;
  locks: LockManager;
  rootHandle: Buffer;
  usage: { atMs: number; value: StoreUsage } | null;
}

export interface Target {
  share: ShareState;
  id: bigint;
}

/** Longest directory chain walked when checking a rename for a cycle. */
export const TREE_DEPTH_MAX = 4096;
/** POSIX LINK_MAX for files and for directories' subdirectory count. */
export const LINK_MAX = 65_000;
/** Directories' entry sequence starts after the cookies 1 and 2 that protocols use for `.`/`..`. */
export const FIRST_ENTRY_SEQ = 3n;
/** Open references beyond this are refused (a runaway client must not grow the map forever). */
const OPEN_REFS_MAX = 1_000_000;

export class ServiceCore {
  readonly clock = new Clock();
  readonly shares = new Map<string, ShareState>();
  readonly byKey = new Map<string, ShareState>();
  /** Open references (retain/release) by `<shareKey>:<fileid>`. */
  readonly openRefs = new Map<string, number>();

  constructor(
    readonly logger: Logger,
    /** Distinct files held open at once (retain past it is ENOSPC). */
    readonly openRefsMax = OPEN_REFS_MAX,
    /** Directories' folded names for case-insensitive lookups (folded-names.ts). */
    readonly folded = new FoldedNames(),
  ) {}

  /** The share the last handle named: most calls name the same share as the one before. */
  private lastShare: ShareState | undefined;

  target(handle: Buffer): Target {
    const fileid = checkHandle(handle);
    const share = this.shareOfHandle(handle);
    if (share === undefined || share.store.epoch !== handleEpoch(handle)) throw new FsError("ESTALE");
    return { share, id: fileid };
  }

  /**
   * The share a (well-formed) handle's key names. Comparing the key bytes with the last share's
   * saves the hex string and map lookup of `byKey` (a tenth of a GETATTR's CPU in profiles); the
   * `byKey` check keeps a removed share's handles stale.
   */
  private shareOfHandle(handle: Buffer): ShareState | undefined {
    const last = this.lastShare;
    if (last !== undefined && sameKey(handle, last.key) && this.byKey.get(last.keyHex) === last) return last;
    const share = this.byKey.get(handleKeyHex(handle));
    if (share !== undefined) this.lastShare = share;
    return share;
  }

  /**
   * The inode a handle names; ESTALE if gone, not in the share's tree, or an orphan nothing holds
   * open (unlinked, its payload going: docs/architecture.md "Removing a file").
   */
  async load(t: Target): Promise<Rec> {
    return this.loadNow(t);
  }

  /**
   * `load` without an async frame: the record itself when the store answers synchronously
   * (memory, SQLite, PostgreSQL's cache), so GETATTR and READ take no microtask hop for it; the
   * checks throw synchronously then.
   */
  loadNow(t: Target): Rec | Promise<Rec> {
    const got = t.share.store.getInode(t.id);
    if (isPending(got)) return got.then((rec) => this.loaded(t, rec));
    return this.loaded(t, got);
  }

  /**
   * `fn` of the inode a handle names (its load's checks first), as an already settled promise when
   * the store answers synchronously: no async frame and no microtask hop for the load (GETATTR,
   * ACCESS, READLINK, WRITE's checks); failures reject.
   */
  settle<T>(handle: Buffer, fn: (share: ShareState, rec: Rec) => T): Promise<T> {
    try {
      const t = this.target(handle);
      const rec = this.loadNow(t);
      if (isPending(rec)) return rec.then((r) => fn(t.share, r));
      return Promise.resolve(fn(t.share, rec));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private loaded(t: Target, rec: Rec | undefined): Rec {
    if (rec === undefined || rec.root !== t.share.root) throw new FsError("ESTALE");
    if (rec.nlink === 0 && rec.type !== "dir" && !this.isOpen(t.share, rec.id)) throw new FsError("ESTALE");
    return rec;
  }

  handleOf(share: ShareState, id: bigint): Buffer {
    return encodeHandle(share.key, share.store.epoch, id);
  }

  attr(share: ShareState, rec: Rec): FileAttr {
    return toFileAttr(rec, share.fsid);
  }

  identity(share: ShareState, caller: Caller): Identity {
    return effectiveIdentity(share.info, caller);
  }

  requireWritable(share: ShareState): void {
    if (share.info.readOnly) throw new FsError("EROFS");
  }

  openKey(share: ShareState, id: bigint): string {
    return `${share.keyHex}:${id}`;
  }

  isOpen(share: ShareState, id: bigint): boolean {
    return (this.openRefs.get(this.openKey(share, id)) ?? 0) > 0;
  }

  orphan(share: ShareState, rec: Rec & { payloadId: string }): Orphan {
    return { handle: this.handleOf(share, rec.id), payloadId: rec.payloadId };
  }
}

/** Loads an inode inside a transaction, ESTALE if gone or in another share's tree. */
export function mustExist(rec: Rec | undefined, share: ShareState): Rec {
  if (rec === undefined || rec.root !== share.root) throw new FsError("ESTALE");
  return rec;
}

export function requireDir(rec: Rec): void {
  if (rec.type !== "dir") throw new FsError("ENOTDIR");
  // A directory removed while a client still holds its handle.
  if (rec.nlink === 0) throw new FsError("ENOENT");
}

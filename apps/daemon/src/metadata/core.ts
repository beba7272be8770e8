/**
 * What the operation modules share: share state, handle resolution, identity and the post-commit
 * payload clean-up. The DefaultMetadataService owns one ServiceCore.
 */
import type { Logger } from "pino";
import { FsError } from "../domain/errors.ts";
import type { ShareInfo } from "../domain/share.ts";
import { toFileAttr } from "./attr.ts";
import { Clock } from "./clock.ts";
import { checkHandle, encodeHandle, handleEpoch, handleKeyHex, sameKey } from "./handle.ts";
import type { LockManager } from "./lock-manager.ts";
import type { InodeRecord, MetadataStore, StoreUsage } from "./metadata-store.ts";
import { effectiveIdentity, type Identity } from "./permissions.ts";
import type { Caller, FileAttr, PayloadPort } from "./types.ts";

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

/** A payload to delete once the transaction that dropped its last link committed. */
export interface Doomed {
  share: ShareState;
  payloadId: string;
}

/** Longest directory chain walked when checking a rename for a cycle. */
export const TREE_DEPTH_MAX = 4096;
/** POSIX LINK_MAX for files and for directories' subdirectory count. */
export const LINK_MAX = 65_000;
/** Directories' entry sequence starts after the cookies 1 and 2 that protocols use for `.`/`..`. */
export const FIRST_ENTRY_SEQ = 3n;
/** Payload deletes in flight before a remove waits for one (see ServiceCore.bury). */
export const BURY_PENDING_MAX = 1024;

export class ServiceCore {
  readonly clock = new Clock();
  readonly shares = new Map<string, ShareState>();
  readonly byKey = new Map<string, ShareState>();
  /** Open references (retain/release) by `<shareKey>:<fileid>`. */
  readonly openRefs = new Map<string, number>();

  constructor(
    readonly logger: Logger,
    readonly payload: PayloadPort,
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

  /** The inode a handle names; ESTALE if gone or not in the share's tree. */
  async load(t: Target): Promise<Rec> {
    const rec = await t.share.store.getInode(t.id);
    if (rec === undefined || rec.root !== t.share.root) throw new FsError("ESTALE");
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

  /** Payload deletes started by `bury` and not settled yet. */
  private readonly burying = new Set<Promise<void>>();

  /**
   * Deletes payloads after commit without holding up the reply: the inode is gone for good once
   * the transaction committed, so the delete (a WAL record and block clean-up, which P's engine
   * applies to its cache synchronously when called) only has to start before we return. Failures
   * are logged (the block store retries on its side; a delete lost in a crash leaks blocks, never
   * serves wrong data). Past BURY_PENDING_MAX unsettled deletes the caller waits for one to settle,
   * so a mass removal cannot queue unbounded work.
   */
  async bury(doomed: readonly Doomed[]): Promise<void> {
    for (const d of doomed) {
      while (this.burying.size >= BURY_PENDING_MAX) await Promise.race(this.burying);
      const p = this.deletePayload(d).finally(() => this.burying.delete(p));
      this.burying.add(p);
    }
  }

  /** Resolves once every delete started so far has settled. */
  async buried(): Promise<void> {
    while (this.burying.size > 0) await Promise.all(this.burying);
  }

  private async deletePayload(d: Doomed): Promise<void> {
    try {
      await this.payload.delete(d.share.info.name, d.payloadId);
    } catch (e) {
      this.logger.warn({ err: e, share: d.share.info.name, payloadId: d.payloadId }, "payload delete failed");
    }
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

/**
 * DefaultMetadataService: routes a handle to its share and store and applies the business rules
 * once for every protocol (names, permissions with squash, link counts, times, sticky bit, rename
 * rules, open-unlinked retention, locks). Operations live in `ops/`, one concern per file.
 */
import type { Logger } from "pino";
import { FsError } from "../domain/errors.ts";
import type { ShareInfo } from "../domain/share.ts";
import { toFileAttr } from "./attr.ts";
import { FIRST_ENTRY_SEQ, type Rec, ServiceCore, type ShareState } from "./core.ts";
import type { FoldedNames } from "./folded-names.ts";
import { encodeHandle, shareKey } from "./handle.ts";
import { LockManager } from "./lock-manager.ts";
import type { LockRange } from "./lock-types.ts";
import type { MetadataStore, StoreUsage } from "./metadata-store.ts";
import type { NamedAttr, NamedAttrChange, NamedAttrKind, NamedAttrSize } from "./named-attr-types.ts";
import { setAcl, storedAcl } from "./ops/acl.ts";
import { createNode } from "./ops/create.ts";
import {
  commitWrite,
  type PreparedRead,
  persist,
  prepareRead,
  prepareReadNow,
  prepareWrite,
  reap,
  release,
  retain,
} from "./ops/data.ts";
import { fsstat, shareUsage } from "./ops/fsstat.ts";
import { access, lookup, lookupCaseless, lookupWithDir, readlink } from "./ops/inspect.ts";
import { link } from "./ops/link.ts";
import { changeNamedAttr, namedAttr, namedAttrSizes, namedAttrs } from "./ops/named-attrs.ts";
import { type PayloadFile, sharePayloads } from "./ops/payloads.ts";
import { readdir } from "./ops/readdir.ts";
import { remove, rmdir } from "./ops/remove.ts";
import { type RenameResult, rename } from "./ops/rename.ts";
import { setattr } from "./ops/setattr.ts";
import type {
  Caller,
  CreateHow,
  DirChangeResult,
  FileAttr,
  FsStat,
  LookupResult,
  MetadataService,
  MutationResult,
  Orphan,
  ReaddirResult,
  RemoveResult,
  RenameGrants,
  SetAttrs,
  Timespec,
  WccAttr,
} from "./types.ts";

/** Orphans (nlink 0, left by a crash) listed per share at start, per pass. */
const ORPHAN_SWEEP_MAX = 10_000;

export interface ShareRoot {
  mode?: number;
  uid?: number;
  gid?: number;
}

/** GETATTR's answer from a loaded inode: a module function, so a call allocates no closure. */
const attrOf = (share: ShareState, rec: Rec): FileAttr => toFileAttr(rec, share.fsid);

export class DefaultMetadataService implements MetadataService {
  private readonly core: ServiceCore;
  /** Shares whose addShare is in progress. */
  private readonly adding = new Set<string>();

  /**
   * `openRefsMax`: files held open at once (default OPEN_REFS_MAX; tests lower it); `folded`: the
   * folded-name indexes of case-insensitive lookups (tests give a smaller budget).
   */
  constructor(opts: { logger: Logger; openRefsMax?: number; folded?: FoldedNames }) {
    this.core = new ServiceCore(opts.logger, opts.openRefsMax, opts.folded);
  }

  /** Serves a share from `store`, creating its root directory (default mode 01777) if missing. */
  async addShare(share: ShareInfo, store: MetadataStore, root?: ShareRoot): Promise<void> {
    // Checked and claimed before the first await: two concurrent adds of one name must not both
    // register (the second would replace the first's state and sweep orphans a second time).
    if (this.core.shares.has(share.name) || this.adding.has(share.name))
      throw new FsError("EEXIST", `share ${share.name}`);
    this.adding.add(share.name);
    try {
      await this.registerShare(share, store, root);
    } finally {
      this.adding.delete(share.name);
    }
  }

  private async registerShare(share: ShareInfo, store: MetadataStore, root?: ShareRoot): Promise<void> {
    const rootId = (await store.getRoot(share.name)) ?? (await this.createRoot(share.name, store, root));
    const key = shareKey(share.name);
    const state: ShareState = {
      info: { ...share },
      store,
      root: rootId,
      key,
      keyHex: key.toString("hex"),
      fsid: key.readBigUInt64BE(0),
      locks: new LockManager(),
      rootHandle: encodeHandle(key, store.epoch, rootId),
      usage: null,
    };
    this.core.shares.set(share.name, state);
    this.core.byKey.set(state.keyHex, state);
  }

  updateShare(share: ShareInfo): void {
    const state = this.core.shares.get(share.name);
    if (state === undefined) throw new FsError("ENOENT", `share ${share.name}`);
    state.info = { ...share };
  }

  async removeShare(name: string): Promise<void> {
    const state = this.core.shares.get(name);
    if (state === undefined) return;
    this.core.shares.delete(name);
    this.core.byKey.delete(state.keyHex);
    state.locks.clear();
    const prefix = `${state.keyHex}:`;
    for (const key of [...this.core.openRefs.keys()])
      if (key.startsWith(prefix)) this.core.openRefs.delete(key);
  }

  /** Inodes (the root included) and bytes of a share's tree; the control plane shows and checks it. */
  usage(shareName: string, opts: { fresh?: boolean } = {}): Promise<StoreUsage> {
    const state = this.core.shares.get(shareName);
    if (state === undefined) throw new FsError("ENOENT", `share ${shareName}`);
    return shareUsage(state, opts.fresh);
  }

  payloads(shareName: string): Promise<PayloadFile[]> {
    const state = this.core.shares.get(shareName);
    if (state === undefined) throw new FsError("ENOENT", `share ${shareName}`);
    return sharePayloads(state);
  }

  rootHandle(shareName: string): Buffer {
    const state = this.core.shares.get(shareName);
    if (state === undefined) throw new FsError("ENOENT", `share ${shareName}`);
    return state.rootHandle;
  }

  shareOf(handle: Buffer): ShareInfo {
    return this.core.target(handle).share.info;
  }

  /** No async frame: an already settled promise when the store answers synchronously (core.settle). */
  getattr(handle: Buffer): Promise<FileAttr> {
    return this.core.settle(handle, attrOf);
  }

  setattr(caller: Caller, handle: Buffer, attrs: SetAttrs, guardCtime?: Timespec) {
    return setattr(this.core, caller, handle, attrs, guardCtime);
  }

  lookup(caller: Caller, dir: Buffer, name: string): Promise<LookupResult> {
    return lookup(this.core, caller, dir, name);
  }

  lookupWithDir(caller: Caller, dir: Buffer, name: string): Promise<LookupResult & { dirAttr: FileAttr }> {
    return lookupWithDir(this.core, caller, dir, name);
  }

  lookupCaseless(caller: Caller, dir: Buffer, name: string): Promise<LookupResult & { name: string }> {
    return lookupCaseless(this.core, caller, dir, name);
  }

  access(caller: Caller, handle: Buffer, mask: number): Promise<{ granted: number; attr: FileAttr }> {
    return access(this.core, caller, handle, mask);
  }

  readlink(caller: Caller, handle: Buffer): Promise<{ target: string; attr: FileAttr }> {
    return readlink(this.core, caller, handle);
  }

  create(
    caller: Caller,
    dir: Buffer,
    name: string,
    attrs: SetAttrs,
    how: CreateHow,
  ): Promise<MutationResult> {
    return createNode(this.core, caller, dir, name, { type: "file", attrs, how });
  }

  mkdir(caller: Caller, dir: Buffer, name: string, attrs: SetAttrs): Promise<MutationResult> {
    return createNode(this.core, caller, dir, name, { type: "dir", attrs });
  }

  symlink(
    caller: Caller,
    dir: Buffer,
    name: string,
    target: string,
    attrs: SetAttrs,
  ): Promise<MutationResult> {
    return createNode(this.core, caller, dir, name, { type: "symlink", attrs, target });
  }

  mknod(
    caller: Caller,
    dir: Buffer,
    name: string,
    type: "chr" | "blk" | "sock" | "fifo",
    attrs: SetAttrs,
    rdev: { major: number; minor: number },
  ): Promise<MutationResult> {
    return createNode(this.core, caller, dir, name, { type, attrs, rdev });
  }

  remove(caller: Caller, dir: Buffer, name: string): Promise<RemoveResult> {
    return remove(this.core, caller, dir, name);
  }

  rmdir(caller: Caller, dir: Buffer, name: string): Promise<DirChangeResult> {
    return rmdir(this.core, caller, dir, name);
  }

  rename(
    caller: Caller,
    fromDir: Buffer,
    fromName: string,
    toDir: Buffer,
    toName: string,
    grants?: RenameGrants,
  ): Promise<RenameResult> {
    return rename(this.core, caller, fromDir, fromName, toDir, toName, grants);
  }

  link(caller: Caller, file: Buffer, dir: Buffer, name: string) {
    return link(this.core, caller, file, dir, name);
  }

  readdir(
    caller: Caller,
    dir: Buffer,
    cookie: bigint,
    verifier: Buffer | null,
    maxEntries: number,
  ): Promise<ReaddirResult> {
    return readdir(this.core, caller, dir, cookie, verifier, maxEntries);
  }

  fsstat(handle: Buffer): Promise<FsStat> {
    return fsstat(this.core, handle);
  }

  prepareWrite(caller: Caller, handle: Buffer): Promise<{ payloadId: string; before: WccAttr }> {
    return prepareWrite(this.core, caller, handle);
  }

  commitWrite(handle: Buffer, end: number, lazy = false): Promise<FileAttr> {
    return commitWrite(this.core, handle, end, lazy);
  }

  persist(handle: Buffer): Promise<void> {
    return persist(this.core, handle);
  }

  prepareRead(caller: Caller, handle: Buffer): Promise<PreparedRead> {
    return prepareRead(this.core, caller, handle);
  }

  prepareReadNow(caller: Caller, handle: Buffer): PreparedRead | Promise<PreparedRead> {
    return prepareReadNow(this.core, caller, handle);
  }

  namedAttr(caller: Caller, handle: Buffer, kind: NamedAttrKind, name: string): Promise<Buffer> {
    return namedAttr(this.core, caller, handle, kind, name);
  }

  namedAttrs(handle: Buffer, kind: NamedAttrKind): Promise<NamedAttr[]> {
    return namedAttrs(this.core, handle, kind);
  }

  namedAttrSizes(handle: Buffer, kind: NamedAttrKind): Promise<NamedAttrSize[]> {
    return namedAttrSizes(this.core, handle, kind);
  }

  changeNamedAttr(
    caller: Caller,
    handle: Buffer,
    kind: NamedAttrKind,
    name: string,
    change: NamedAttrChange,
  ): Promise<number> {
    return changeNamedAttr(this.core, caller, handle, kind, name, change);
  }

  acl(handle: Buffer): Promise<Buffer | null> {
    return storedAcl(this.core, handle);
  }

  setAcl(caller: Caller, handle: Buffer, acl: Buffer | null, mode: number): Promise<FileAttr> {
    return setAcl(this.core, caller, handle, acl, mode);
  }

  retain(handle: Buffer): void {
    retain(this.core, handle);
  }

  release(handle: Buffer): Promise<Orphan | null> {
    return release(this.core, handle);
  }

  reap(handle: Buffer): Promise<void> {
    return reap(this.core, handle);
  }

  async orphans(shareName: string): Promise<Orphan[]> {
    const state = this.core.shares.get(shareName);
    if (state === undefined) throw new FsError("ENOENT", `share ${shareName}`);
    // Open references die with the process: the caller knows no other daemon serves the store.
    const out: Orphan[] = [];
    for (const id of await state.store.orphans(state.root, ORPHAN_SWEEP_MAX)) {
      const rec = await state.store.getInode(id);
      if (rec === undefined || rec.nlink > 0 || this.core.isOpen(state, id)) continue;
      // Only a crash leaves one without payload (dropLink deletes those at once).
      if (rec.payloadId === null) await this.reap(this.core.handleOf(state, id));
      else out.push(this.core.orphan(state, { ...rec, payloadId: rec.payloadId }));
    }
    return out;
  }

  async lock(handle: Buffer, range: LockRange, wait: boolean, signal?: AbortSignal): Promise<void> {
    const t = this.core.target(handle);
    return t.share.locks.lock(String(t.id), range, wait, signal);
  }

  testLock(handle: Buffer, range: LockRange, io = false): LockRange | null {
    const t = this.core.target(handle);
    return t.share.locks.test(String(t.id), range, io);
  }

  unlock(handle: Buffer, range: Omit<LockRange, "kind">): boolean {
    const t = this.core.target(handle);
    return t.share.locks.unlock(String(t.id), range);
  }

  locksOf(handle: Buffer, owner: string): LockRange[] {
    const t = this.core.target(handle);
    return t.share.locks.held(String(t.id)).filter((l) => l.owner === owner);
  }

  unlockAll(ownerPrefix: string): void {
    for (const share of this.core.shares.values()) share.locks.unlockAll(ownerPrefix);
  }

  private async createRoot(name: string, store: MetadataStore, root: ShareRoot | undefined): Promise<bigint> {
    return store.transaction(async (tx) => {
      // Two daemons on one PostgreSQL store may race to create the root: serialize and re-check.
      await tx.lockNamespace();
      const existing = await store.getRoot(name);
      if (existing !== undefined) return existing;
      const now = this.core.clock.now();
      const rec = await tx.insertInode({
        root: 0n,
        parent: 0n,
        type: "dir",
        mode: (root?.mode ?? 0o1777) & 0o7777,
        nlink: 2,
        uid: root?.uid ?? 0,
        gid: root?.gid ?? 0,
        size: 4096,
        rdevMajor: 0,
        rdevMinor: 0,
        atime: now,
        mtime: now,
        ctime: now,
        btime: now,
        changeTime: null,
        dosAttributes: 0,
        payloadId: null,
        target: null,
        verifier: null,
        entrySeq: FIRST_ENTRY_SEQ - 1n,
      });
      await tx.setRoot(name, rec.id);
      return rec.id;
    });
  }
}

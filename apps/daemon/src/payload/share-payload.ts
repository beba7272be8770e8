/**
 * The payload engine of one share: its blocks in the shared cache, its WAL and its block store.
 * Writes go to the WAL and the cache (write-path.ts, docs/architecture.md "Write path" steps 1–3);
 * uploads and block GC run through the shared transfer manager (uploads.ts, gc.ts); reads
 * (read-path.ts) merge cached slices over downloaded bases. Those helpers see the engine only as
 * a PayloadEngine (engine.ts). Offsets are numbers: files stay below domain/limits.ts FILE_SIZE_MAX (< 2^53).
 */
import type pino from "pino";
import { FsError } from "../domain/errors.ts";
import { assertPayloadId } from "./block-store/keys.ts";
import { BlockEntry } from "./cache/block-entry.ts";
import type { BlockCache } from "./cache/cache.ts";
import type { PayloadEngine } from "./engine.ts";
import { EngineLifecycle } from "./engine-lifecycle.ts";
import { PayloadState } from "./payload-state.ts";
import { checkRange, readAt, readParts, readPartsNow } from "./read-path.ts";
import { replayRecord } from "./replay.ts";
import type { SharedMode, ValidateReason } from "./shared/shared-mode.ts";
import { loadBase } from "./transfer/downloads.ts";
import { startGc } from "./transfer/gc.ts";
import { reclaimPaced, scheduleUpload, walFull } from "./transfer/schedule.ts";
import { dropSealed } from "./transfer/seal.ts";
import { StageBacklog } from "./transfer/stage-backlog.ts";
import type { TransferManager } from "./transfer/transfer-manager.ts";
import { storeNow } from "./transfer/uploads.ts";
import { dropStaged } from "./transfer/write-behind.ts";
import type { BlockStore, Stability } from "./types.ts";
import { RecordKind, type WalRecord } from "./wal/format.ts";
import { reclaimWal } from "./wal/retention.ts";
import { NullWal, type Wal } from "./wal/wal-api.ts";
import { WriteOnce } from "./write-once.ts";
import { applyDelete, applyTruncate, writePinned } from "./write-path.ts";

/** New files remembered as known-empty until their first write (the oldest are forgotten). */
const FRESH_IDS_MAX = 4096;

export interface SharePayloadOptions {
  name: string;
  store: BlockStore;
  cache: BlockCache;
  transfer: TransferManager;
  logger: pino.Logger;
  /** A dirty block untouched this long is uploaded even if partial (engine-lifecycle.ts). */
  idleUploadMs?: number;
  /** Writes to an fs store skip the WAL where they can (write-once.ts); default true. */
  writeOnce?: boolean;
  /**
   * Shared (scale-out) mode, docs/architecture.md "Scale-out": COMMIT also waits until the payload's dirty
   * blocks are in the block store, so another daemon reading the same store sees them.
   */
  shared?: boolean;
  /**
   * Versioned blocks over a BlockMap (shared/shared-mode.ts): implies `shared`; reads fetch the
   * committed version, truncate/delete only change the map (the sweeper deletes keys).
   */
  sharedMode?: SharedMode;
}

export class SharePayload implements PayloadEngine {
  wal: Wal = new NullWal();
  readonly writeOnce: WriteOnce;
  /** Payload ids created since their state was last made (oldest first, at most FRESH_IDS_MAX). */
  private readonly freshIds = new Set<string>();
  readonly payloads = new Map<string, PayloadState>();
  /** Entries with dirty or uploading data (WAL retention, idle and pressure uploads). */
  readonly dirty = new Set<BlockEntry>();
  readonly stageBacklog = new StageBacklog();
  /** Closed or not, background jobs and the idle, commit and reclaim timers. */
  private readonly life: EngineLifecycle;
  /** Replaced only by a migration (service.ts replaceBlockStore); users read it at each call. */
  store: BlockStore;
  readonly cache: BlockCache;
  readonly transfer: TransferManager;
  readonly logger: pino.Logger;
  private readonly shared: boolean;
  readonly sharedMode: SharedMode | null;

  constructor(opts: SharePayloadOptions) {
    this.store = opts.store;
    this.cache = opts.cache;
    this.transfer = opts.transfer;
    this.logger = opts.logger;
    this.writeOnce = new WriteOnce(this, opts.writeOnce ?? true);
    this.sharedMode = opts.sharedMode ?? null;
    this.shared = (opts.shared ?? false) || this.sharedMode !== null;
    const hooks = {
      dirty: this.dirty,
      cache: this.cache,
      logger: this.logger,
      scheduleUpload: (e: BlockEntry) => this.scheduleUpload(e),
      urge: () => this.transfer.urge(),
      reclaim: () => reclaimPaced(this),
      walFull: () => walFull(this),
    };
    this.life = new EngineLifecycle(hooks, opts.idleUploadMs);
  }

  get closed(): boolean {
    return this.life.closed;
  }

  /** After WAL replay: queue every restored dirty block and start the idle scanner. */
  start(wal: Wal): void {
    this.wal = wal;
    for (const e of this.dirty) this.scheduleUpload(e);
    for (const p of this.payloads.values()) if (p.gcBoundary !== null) startGc(this, p);
    this.life.start();
  }

  payload(payloadId: string): PayloadState {
    let p = this.payloads.get(payloadId);
    if (p === undefined) {
      assertPayloadId(payloadId);
      p = new PayloadState(payloadId);
      p.fresh = this.freshIds.delete(payloadId);
      this.payloads.set(payloadId, p);
    }
    return p;
  }

  entry(p: PayloadState, index: number): BlockEntry {
    let e = p.blocks.get(index);
    if (e === undefined) {
      // A forgotten state must never gain blocks (readers would miss them and a live state's entry
      // would race theirs in the store): callers pin it across awaits, else fail loudly.
      if (this.payloads.get(p.id) !== p)
        throw new FsError("EIO", "payload state used after it was forgotten");
      e = new BlockEntry(p.id, index, this);
      // A new file's block not put since: the store has nothing to download (the upload of a small
      // file then needs no failed load of a missing key first).
      if (p.knownEmpty(index)) e.setBase(BlockEntry.EMPTY);
      p.blocks.set(index, e);
    }
    return e;
  }

  /** A file was created with this payload id (PayloadService.created). */
  created(payloadId: string): void {
    if (!this.payloads.has(payloadId)) this.remember(payloadId); // else written already: not known empty
  }

  private remember(payloadId: string): void {
    if (this.freshIds.size >= FRESH_IDS_MAX) this.freshIds.delete(this.freshIds.values().next().value!);
    this.freshIds.add(payloadId);
  }

  private checkOpen(): void {
    if (this.closed) throw new FsError("EIO", "share payload closed");
  }

  // ---- write path -------------------------------------------------------------------------

  async writeAt(payloadId: string, offset: number, data: Buffer, stability: Stability): Promise<void> {
    checkRange(offset, data.length);
    const p = this.payload(payloadId);
    // Pinned: while this write waits for cache room, eviction must not forget the state it holds
    // (a later write would make a second one and the two would lose each other's blocks).
    p.pins++;
    try {
      await writePinned(this, p, offset, data, () => this.checkOpen());
    } finally {
      p.pins--;
    }
    if (stability !== "unstable") await this.durable(p);
  }

  async commit(payloadId: string): Promise<void> {
    const p = this.payloads.get(payloadId);
    if (p === undefined) return this.wal.sync();
    if (!this.shared) this.life.uploadAfterCommit(p);
    return this.durable(p);
  }

  /**
   * SMB CLOSE (docs/payload.md "CLOSE"): every acknowledged write of the payload survives a kill
   * of the daemon on return (the WAL's records written, write-once blocks sealed in staged files),
   * as Samba's do in the page cache; a power loss may still take them (FLUSH is the durability
   * point, [MS-SMB2] 3.3.5.11). Shared mode commits: another daemon reads what was closed.
   */
  async closeFile(payloadId: string): Promise<void> {
    const p = this.payloads.get(payloadId);
    if (this.shared) return this.commit(payloadId);
    if (p === undefined || !this.writeOnce.pending(p)) return this.wal.written();
    p.pins++;
    try {
      if (await this.writeOnce.keepOnClose(p)) await this.wal.written();
      else await this.durable(p);
    } finally {
      p.pins--;
    }
  }

  /**
   * Every acknowledged write of `p` durable: the WAL's group commit; shared mode also waits until
   * the payload is stored; writes that skipped the WAL are put (write-once.ts).
   */
  private async durable(p: PayloadState): Promise<void> {
    let puts: Promise<void> | null = null;
    if (this.shared) puts = this.waitStored(p);
    else if (this.writeOnce.pending(p)) {
      // A few unjournaled bytes are appended now, before the WAL sync below (write-once.ts).
      puts = this.writeOnce.journalSmall(p) ?? this.writeOnce.store(p, () => this.checkOpen());
    }
    if (puts === null) return this.wal.sync();
    p.pins++;
    try {
      await Promise.all([this.wal.sync(), puts]);
    } finally {
      p.pins--;
    }
  }

  /** Shared mode: uploads every dirty block of the payload now and waits until all are stored. */
  private waitStored(p: PayloadState): Promise<void> {
    return storeNow(this, p, (e) => e.isDirty || e.uploading, {
      gc: true,
      checkOpen: () => this.checkOpen(),
    });
  }

  /**
   * Drops the payload's clean cached blocks so the next read downloads them again (another daemon
   * may have rewritten them). Dirty data stays: it is newer than anything in the store.
   */
  invalidate(payloadId: string): void {
    const p = this.payloads.get(payloadId);
    if (p === undefined) return;
    for (const e of [...p.blocks.values()]) {
      if (e.isDirty || e.uploading || e.loading !== null) continue;
      e.setBase(null);
      this.cache.recount(e);
      this.released(e);
    }
  }

  /** Shared mode: drops cached blocks another daemon replaced (shared/shared-mode.ts). */
  async validate(payloadId: string, reason: ValidateReason): Promise<void> {
    if (this.sharedMode !== null && !this.closed) await this.sharedMode.validate(this, payloadId, reason);
  }

  async flushAll(): Promise<void> {
    for (const e of this.dirty) this.scheduleUpload(e);
    this.transfer.urge();
    await this.wal.sync();
  }

  async truncate(payloadId: string, size: number): Promise<void> {
    checkRange(size, 0);
    this.checkOpen();
    const p = this.payload(payloadId);
    const written = this.wal.append(RecordKind.TRUNCATE, p.idBytes, size, null);
    this.writeOnce.noteRecord(p, this.wal.lastSeq);
    applyTruncate(this, p, size, this.wal.lastSeq);
    await written;
    // SETATTR(size) is synchronous in NFS: the truncate must survive a crash like the metadata does.
    await this.wal.sync();
    // Shared mode: other daemons must not read the cut blocks once SETATTR answers.
    while (this.sharedMode !== null && p.gcRunning !== null) {
      this.transfer.promote(p);
      await p.gcRunning.catch(() => {});
    }
  }

  /** Drops cached data and WAL interest at once; the blocks go asynchronously (GC, retried). */
  async delete(payloadId: string): Promise<void> {
    this.checkOpen();
    const p = this.payload(payloadId);
    // Neither synced nor waited for: a record lost in a crash only leaks the file's blocks (replay
    // re-uploads them; the payload id is never used again, so nothing wrong is read). Waiting for
    // the write(2) would not change that (the page cache is not durable either). Replay order is
    // kept (appended before any later record); minLiveSeq keeps it until its GC has finished.
    this.wal.appendLazy(RecordKind.DELETE, p.idBytes).catch((err: unknown) => {
      this.logger.warn({ err: (err as Error).message }, "wal delete record not written");
    });
    this.writeOnce.noteRecord(p, this.wal.lastSeq);
    applyDelete(this, p, this.wal.lastSeq);
  }

  /** WAL replay (replay.ts): each valid record is applied as if it had just been written. */
  replay(r: WalRecord): Promise<void> {
    return replayRecord(this, r);
  }

  // ---- read path (read-path.ts) -----------------------------------------------------------
  readAt(payloadId: string, offset: number, length: number): Promise<Buffer> {
    return readAt(this, payloadId, offset, length);
  }

  readParts(payloadId: string, offset: number, length: number): Promise<Buffer[]> {
    return readParts(this, payloadId, offset, length);
  }

  readPartsNow(
    payloadId: string,
    offset: number,
    length: number,
    hold = false,
  ): Buffer[] | Promise<Buffer[]> {
    return readPartsNow(this, payloadId, offset, length, hold);
  }

  /** Loads the block-store copy of an entry (downloads.ts). */
  loadBase(e: BlockEntry, prefetch = false): Promise<void> {
    return loadBase(this, e, prefetch);
  }

  // ---- BlockOwner -------------------------------------------------------------------------
  /** Queued on the background lane, paced when a kill cannot lose it (transfer/schedule.ts). */
  scheduleUpload(e: BlockEntry): void {
    scheduleUpload(this, e);
  }

  /**
   * A graceful stop keeps writes not yet committed: those that skipped the WAL (write-once.ts)
   * live only in the cache, so they are made durable as a COMMIT would (a crash still loses them,
   * as the crash model allows for uncommitted writes; a stop must not).
   */
  async keepUncommitted(): Promise<void> {
    const pending = [...this.payloads.values()].filter((p) => this.writeOnce.pending(p));
    const done = await Promise.allSettled(pending.map((p) => this.durable(p)));
    for (const r of done) {
      if (r.status === "rejected")
        this.logger.error({ err: String(r.reason) }, "uncommitted writes lost at stop");
    }
  }

  /** Background work of this share; close() waits for it so no stale put lands after a stop. */
  track(job: Promise<void>): void {
    this.life.track(job);
  }

  /** Waits for the background work running or queued now (not for work started later). */
  settle(): Promise<void> {
    this.transfer.urge();
    return this.life.settle();
  }

  released(e: BlockEntry): void {
    if (!e.isIdle) return;
    const p = this.payloads.get(e.payloadId);
    if (p === undefined || p.blocks.get(e.index) !== e) return;
    p.blocks.delete(e.index);
    this.cache.forget(e);
    this.forgetPayloadIfIdle(p);
  }

  needsBase(e: BlockEntry): void {
    if (!this.closed && !e.dropped) this.loadBase(e).catch(() => {});
  }

  forgetPayloadIfIdle(p: PayloadState): void {
    if (p.blocks.size === 0 && !p.gcPending && p.uploadsInFlight === 0 && p.pins === 0) {
      this.payloads.delete(p.id);
      // Nothing of it is stored (none put, or all deleted again): the next state is fresh too.
      if (p.fresh && p.putBlocks.size === 0) this.remember(p.id);
    }
  }

  /** WAL retention (wal/retention.ts), debounced. */
  reclaimSoon(): void {
    this.life.reclaimSoon();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.keepUncommitted();
    this.life.stop();
    this.stageBacklog.wake();
    // A graceful stop with everything uploaded leaves nothing to replay.
    this.transfer.wake();
    this.transfer.urge();
    await this.life.drain();
    await reclaimWal(this).catch(() => {});
    await this.wal.close();
    const discards: Promise<void>[] = [];
    for (const p of this.payloads.values()) {
      for (const e of p.blocks.values()) {
        discards.push(dropStaged(e)); // not uploaded before the stop (its writes were never committed)
        // A CLOSE's sealed file stays while the stop could not store the block (keepUncommitted
        // failed: a full or broken disk): the next start adopts it, as after a kill.
        if (!e.holdsUnjournaled) discards.push(dropSealed(e));
        this.cache.forget(e);
      }
    }
    await Promise.all(discards);
    this.payloads.clear();
    this.dirty.clear();
  }
}

/**
 * DefaultPayloadService: routes PayloadService calls by share to that share's engine
 * (share-payload.ts). The cache and the transfer manager are shared by all shares: one memory
 * budget and one concurrency budget for the process. Each share has its own WAL directory
 * `<walDir>/<hex of share name>` (share names are user-chosen; hex keeps them path-safe).
 */
import path from "node:path";
import type pino from "pino";
import { FsError } from "../domain/errors.ts";
import type { PayloadStats } from "../domain/stats.ts";
import { BlockCache } from "./cache/cache.ts";
import { SharePayload } from "./share-payload.ts";
import type { SharedContentStore } from "./shared/block-map.ts";
import { SharedMode, type ValidateReason } from "./shared/shared-mode.ts";
import { BlockSweeper } from "./transfer/sweep.ts";
import { TransferManager } from "./transfer/transfer-manager.ts";
import type { BlockStore, PayloadService, Stability } from "./types.ts";
import { FileWal } from "./wal/wal.ts";
import { NullWal } from "./wal/wal-api.ts";

export interface PayloadServiceOptions {
  logger: pino.Logger;
  cacheSizeBytes: number;
  /** null: no WAL at all (every share is memory-only or durability is not wanted). */
  walDir: string | null;
  transferConcurrency: number;
  /** WAL segment size (tests use small segments to exercise rotation and reclaim). */
  walSegmentBytesMax?: number;
  /** A dirty partial block untouched this long is uploaded. */
  idleUploadMs?: number;
  /** Writes to fs stores skip the WAL where they can (write-once.ts); default true. */
  writeOnce?: boolean;
  /** Shared (scale-out) mode settings (config `scaleout`); defaults in shared/shared-mode.ts. */
  scaleout?: { attrCacheMs?: number; gcGraceMs?: number; gcIntervalMs?: number };
}

export class DefaultPayloadService implements PayloadService {
  private readonly shares = new Map<string, SharePayload>();
  /** Shared-mode shares' block sweepers (transfer/sweep.ts). */
  private readonly sweepers = new Map<string, BlockSweeper>();
  private readonly cache: BlockCache;
  private readonly transfer: TransferManager;
  private readonly logger: pino.Logger;

  constructor(private readonly opts: PayloadServiceOptions) {
    this.logger = opts.logger;
    this.cache = new BlockCache(opts.cacheSizeBytes);
    this.transfer = new TransferManager(opts.transferConcurrency, opts.logger);
  }

  /**
   * Registers a share and replays its WAL (restoring dirty data and queueing its uploads).
   * `shared`: scale-out mode (COMMIT waits for the blocks to be in the block store). `content`
   * (the metadata store's block map and sweep catalog) adds versioned blocks, cache validation
   * and the cross-daemon sweeper (shared/shared-mode.ts, transfer/sweep.ts).
   */
  async addShare(
    name: string,
    blockStore: BlockStore,
    opts: { shared?: boolean; content?: SharedContentStore } = {},
  ): Promise<void> {
    if (this.shares.has(name)) throw new FsError("EEXIST", `share ${name}`);
    const logger = this.logger.child({ share: name });
    const so = this.opts.scaleout ?? {};
    const content = opts.content;
    const sharedMode =
      content === undefined
        ? undefined
        : new SharedMode({
            map: content,
            store: blockStore,
            gcGraceMs: so.gcGraceMs,
            attrCacheMs: so.attrCacheMs,
          });
    const engine = new SharePayload({
      name,
      store: blockStore,
      cache: this.cache,
      transfer: this.transfer,
      logger,
      idleUploadMs: this.opts.idleUploadMs,
      writeOnce: this.opts.writeOnce,
      shared: opts.shared,
      sharedMode,
    });
    this.shares.set(name, engine);
    try {
      await sharedMode?.adoptLegacy(name, logger); // before replay: files stored before versioning
      // A memory block store loses everything on stop anyway: a WAL would only cost fsyncs.
      const wal =
        this.opts.walDir === null || blockStore.type === "memory"
          ? new NullWal()
          : await FileWal.open({
              dir: path.join(this.opts.walDir, Buffer.from(name, "utf8").toString("hex") || "00"),
              logger,
              segmentBytesMax: this.opts.walSegmentBytesMax,
              replay: (r) => engine.replay(r),
            });
      engine.start(wal);
      if (content !== undefined && sharedMode !== undefined) {
        content.setCacheTtlMs?.(sharedMode.attrCacheMs);
        const sweeper = new BlockSweeper({
          store: blockStore,
          catalog: content,
          gcGraceMs: sharedMode.gcGraceMs,
          intervalMs: so.gcIntervalMs,
          logger,
        });
        this.sweepers.set(name, sweeper);
        sweeper.start();
      }
    } catch (e) {
      this.shares.delete(name);
      await engine.close().catch(() => {});
      throw e;
    }
  }

  /** Stops a share's engine: its WAL is synced and closed; dirty data stays in it for replay. */
  async removeShare(name: string): Promise<void> {
    const engine = this.shares.get(name);
    if (engine === undefined) return;
    this.shares.delete(name);
    await this.sweepers.get(name)?.stop();
    this.sweepers.delete(name);
    await engine.close();
  }

  /**
   * Points a registered share's engine at another block store and returns the one it replaces
   * (a share migration, runtime/share-migration.ts). Shared-mode shares keep their store: other
   * daemons and the sweeper use it too. Resolves once the uploads and collections that took the
   * previous store before the call have finished, so none of them lands there later.
   */
  async replaceBlockStore(name: string, store: BlockStore): Promise<BlockStore> {
    const engine = this.share(name);
    if (engine.sharedMode !== null || this.sweepers.has(name))
      throw new FsError("EINVAL", `share ${name} is in shared (scale-out) mode`);
    const previous = engine.store;
    engine.store = store;
    await engine.settle();
    return previous;
  }

  private share(name: string): SharePayload {
    const engine = this.shares.get(name);
    if (engine === undefined) throw new FsError("ESTALE", `unknown share ${name}`);
    return engine;
  }

  async readAt(share: string, payloadId: string, offset: number, length: number): Promise<Buffer> {
    return this.share(share).readAt(payloadId, offset, length);
  }

  readPartsNow(
    share: string,
    payloadId: string,
    offset: number,
    length: number,
    hold = false,
  ): Buffer[] | Promise<Buffer[]> {
    return this.share(share).readPartsNow(payloadId, offset, length, hold);
  }

  /** No async frame: a cached single-block read's promise is already settled (read-path.ts). */
  readParts(share: string, payloadId: string, offset: number, length: number): Promise<Buffer[]> {
    try {
      return this.share(share).readParts(payloadId, offset, length);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  async writeAt(
    share: string,
    payloadId: string,
    offset: number,
    data: Buffer,
    stability: Stability = "unstable",
  ): Promise<void> {
    return this.share(share).writeAt(payloadId, offset, data, stability);
  }

  async commit(share: string, payloadId: string): Promise<void> {
    return this.share(share).commit(payloadId);
  }

  async closeFile(share: string, payloadId: string): Promise<void> {
    return this.share(share).closeFile(payloadId);
  }

  /** Shared mode: forget clean cached blocks of a payload (another daemon may have changed them). */
  created(share: string, payloadId: string): void {
    this.shares.get(share)?.created(payloadId);
  }

  invalidate(share: string, payloadId: string): void {
    this.share(share).invalidate(payloadId);
  }

  /** Shared mode: drops cached blocks of a payload another daemon replaced. */
  async validate(share: string, payloadId: string, reason: ValidateReason): Promise<void> {
    return this.share(share).validate(payloadId, reason);
  }

  validates(share: string): boolean {
    return this.shares.get(share)?.sharedMode != null;
  }

  /** Shared mode: one sweep pass now (tests, tools); null when another sweeper holds the lock. */
  sweep(share: string) {
    const sweeper = this.sweepers.get(share);
    if (sweeper === undefined) throw new FsError("EINVAL", `share ${share} is not in shared mode`);
    return sweeper.sweepOnce();
  }

  async flushAll(): Promise<void> {
    await Promise.all([...this.shares.values()].map((s) => s.flushAll()));
  }

  async truncate(share: string, payloadId: string, size: number): Promise<void> {
    return this.share(share).truncate(payloadId, size);
  }

  async delete(share: string, payloadId: string): Promise<void> {
    return this.share(share).delete(payloadId);
  }

  cacheRoomBytes(): number {
    return Math.max(0, this.cache.capacityBytes - this.cache.usedBytes);
  }

  stats(share?: string): PayloadStats {
    const engines = share === undefined ? [...this.shares.values()] : [this.share(share)];
    const c = this.cache.counters();
    const t = this.transfer.counters();
    let wal: PayloadStats["wal"] = null;
    for (const e of engines) {
      const w = e.wal.counters();
      if (w === null) continue;
      if (wal === null) wal = { ...w };
      else {
        wal.bytes += w.bytes;
        wal.records += w.records;
        wal.fsyncs += w.fsyncs;
        wal.segments = (wal.segments ?? 0) + w.segments;
        wal.fsyncLatencyMsP50 = Math.max(wal.fsyncLatencyMsP50, w.fsyncLatencyMsP50);
        wal.fsyncLatencyMsP99 = Math.max(wal.fsyncLatencyMsP99, w.fsyncLatencyMsP99);
      }
    }
    return { cache: c, wal, transfer: t };
  }

  /** Stops every share (WALs synced) and the transfer manager. Block stores are the caller's. */
  async close(): Promise<void> {
    const engines = [...this.shares.values()];
    this.shares.clear();
    await Promise.all([...this.sweepers.values()].map((s) => s.stop()));
    this.sweepers.clear();
    // Uncommitted write-once blocks are stored while the transfer manager still runs puts.
    await Promise.all(engines.map((e) => e.keepUncommitted()));
    this.transfer.close();
    await Promise.all(engines.map((e) => e.close()));
  }
}

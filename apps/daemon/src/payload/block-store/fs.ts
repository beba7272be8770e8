/**
 * Local-filesystem block store: one file per block, where the root's layout puts it (fs-layout.ts:
 * a file's first block in one of 256 shard directories, the rest at `<root>/<key>`; roots written
 * before layout 2 keep every block at `<root>/<key>`). A put writes a temp file in
 * the store's staging directory, fsyncs it, renames it over the key and fsyncs the key's directory,
 * so a block is either the old or the new content after a crash, never a mix, and durable on
 * return. Keys are validated (keys.ts) and never come from client-supplied names.
 *
 * Temp files (puts in flight, write-behind stages) live in `<root>/.tmp-staging/<pid>-<token>/`,
 * never beside the keys: a crash leaves them there, and the next open() adopts the stages a CLOSE
 * sealed into their keys when they verify (fs-adopt.ts) and removes the rest, for each process no
 * longer running (before, each SIGKILL leaked the temp files of the puts and stages in flight into
 * the key directories for good). list() skips the staging directory. The token tells this process
 * from an earlier one that had the same pid (a container's daemon is often pid 1 at each start).
 *
 * deferSync puts/deletes (the engine's uploads and GC, which keep the WAL records that redo them
 * until flush() returns: wal/retention.ts reclaims the WAL only behind a flush) skip the directory
 * fsync: flush() fsyncs each changed directory once, so a run of puts into one chunk directory
 * costs one directory fsync, off the upload path, and the puts of a burst of small files fsync
 * at most the 256 shards (the engine flushes only before a WAL reclaim that drops a segment). The data is still fsynced before the rename, so
 * after a crash a key holds its old or its new block, never a torn one. (Only the leaf directory
 * is fsynced, also for a put that created its parents: on ext4/xfs that fsync commits the journal
 * transaction holding the parents' mkdir as well.) A delete of a directory's last block removes
 * the empty directories above it (never a shard); flush() then fsyncs the nearest directory still
 * there. The directory bookkeeping (which exist, which await the flush's fsync) is fs-dirs.ts.
 *
 * (Tried and dropped: deferring a new key's data fsync too. The unsynced block data then piles up
 * as dirty pages the kernel throttles the WAL's writes against, and data=ordered journal commits
 * for the WAL's fdatasync have to write it out.)
 */
import { randomBytes } from "node:crypto";
import { constants, promises as fsp } from "node:fs";
import path from "node:path";
import type pino from "pino";
import type { BlockStore, BlockStoreHealth, BlockWriteOptions, StagedPut } from "../types.ts";
import { type AdoptReport, adoptAtOpen } from "./fs-adopt.ts";
import { FsDirs } from "./fs-dirs.ts";
import { readRange, toFsError, writeAll } from "./fs-io.ts";
import { type FsLayout, fsKeyPath, listKeys, openLayout } from "./fs-layout.ts";
import { type SealedBound, SealedFiles, sealedName } from "./fs-sealed.ts";
import { SparePool } from "./fs-spares.ts";
import { FsStagedBlock, StagingFiles } from "./fs-staging.ts";
import { IoGate } from "./io-gate.ts";
import { assertBlockKey } from "./keys.ts";

const TEMP_PREFIX = ".tmp-";
/** Under the root; its name starts with TEMP_PREFIX, so list() never walks it. */
const STAGING_DIR = `${TEMP_PREFIX}staging`;
/** A put's temp file: "w" with O_DSYNC (writeTemp). */
const SYNC_WRITE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_DSYNC;
/**
 * Puts and deletes in flight at once. Each holds a libuv threadpool thread per step (4 threads by
 * default); the rest stay free for requests' WAL appends, fdatasyncs and block reads, so a burst
 * of uploads never queues them (docs/payload.md "Background work"). Two keep the disk busy: more
 * made a 1 GiB burst no faster and a 4 KiB write's p99 during it 3-5x worse (bench/payload-latency.ts).
 */
export const FS_STORE_WRITES_MAX = 2;
/** Names this process's staging directory with its pid (fs-adopt.ts): an earlier holder of the pid is dead. */
const PROCESS_TOKEN = randomBytes(4).toString("hex");

export class FsBlockStore implements BlockStore {
  /** Every write is awaited to its end before its call settles (writeAll, no queue behind it). */
  readonly releasesBuffers = true;
  readonly type = "fs";
  private readonly writes = new IoGate(FS_STORE_WRITES_MAX);
  /** Write-behind staging files being written (fs-staging.ts). */
  readonly staging = new StagingFiles((tmp, create) => this.openTemp(tmp, create));
  /** The key directories: which exist, which await flush()'s fsync (fs-dirs.ts). */
  private readonly dirs: FsDirs;
  /** This process's sealed stages: their bound, and their removals, made durable by flush() (fs-sealed.ts). */
  readonly sealed: SealedFiles;
  /** What open() did with the sealed stages dead processes left (fs-adopt.ts). */
  adoption: AdoptReport | null = null;

  private readonly root: string;
  /** This process's temp files: `<root>/.tmp-staging/<pid>`. */
  private readonly tmpDir: string;
  /** Where keys live (fs-layout.ts): read or chosen by open(), which every call runs first. */
  private layout: FsLayout | null = null;
  private opening: Promise<FsLayout> | null = null;

  /** Deleted small blocks' files, reused by puts as temp files (fs-spares.ts). */
  private readonly spares: SparePool;

  constructor(
    root: string,
    private readonly opts: { logger?: pino.Logger; sealedMax?: SealedBound } = {},
  ) {
    this.root = path.resolve(root);
    this.dirs = new FsDirs(this.root);
    this.sealed = new SealedFiles(opts.sealedMax);
    this.tmpDir = path.join(this.root, STAGING_DIR, `${process.pid}-${PROCESS_TOKEN}`);
    this.spares = new SparePool(this.tmpDir, `${TEMP_PREFIX}spare-${randomBytes(4).toString("hex")}-`);
  }

  async open(): Promise<this> {
    await this.ready();
    return this;
  }

  /**
   * The root's layout; the first call makes the staging directory and sweeps the others (the
   * sweep adopts sealed stages into their keys, so it runs once the layout is known).
   */
  private ready(): Promise<FsLayout> {
    this.opening ??= (async () => {
      await fsp.mkdir(this.tmpDir, { recursive: true });
      const layout = await openLayout(this.root, this.tmpDir);
      this.layout = layout;
      this.adoption = await this.sweepStaging();
      return layout;
    })();
    return this.opening;
  }

  /** The validated key's file, once the layout is known. */
  private async pathOf(key: string): Promise<string> {
    assertBlockKey(key);
    return fsKeyPath(this.root, this.layout ?? (await this.ready()), key);
  }

  /** Adopts what dead processes' CLOSEs sealed, removes their other temp files (fs-adopt.ts). */
  private async sweepStaging(): Promise<AdoptReport> {
    return adoptAtOpen(
      this.tmpDir,
      {
        exists: async (key) => (await fsp.stat(await this.pathOf(key)).catch(() => null)) !== null,
        publish: async (file, key) => this.dirs.renameInto(file, await this.pathOf(key)),
      },
      this.opts.logger,
      this.opts.sealedMax,
    );
  }

  private tempPath(): string {
    return path.join(this.tmpDir, `${TEMP_PREFIX}${randomBytes(6).toString("hex")}`);
  }

  put(key: string, data: Buffer, opts?: BlockWriteOptions): Promise<void> {
    return this.putv(key, [data], opts);
  }

  /** One writev of the parts into the temp file: the engine's adopted write buffers, no copy. */
  async putv(key: string, parts: readonly Buffer[], opts?: BlockWriteOptions): Promise<void> {
    const file = await this.pathOf(key);
    return this.writes.run(() => this.putFile(key, file, parts, opts));
  }

  /**
   * Write-behind (docs/payload.md "Write-behind"): a temp file the engine writes frame by frame as
   * the block arrives, without an fdatasync; publish() fdatasyncs and renames it, exactly the rest
   * of a put. A temp file is never read as a key (get() opens the key, list() skips temp names), so
   * an unsynced one left by a crash is never taken for data. The file is made by the first write.
   */
  stage(key: string): StagedPut {
    assertBlockKey(key);
    // Over a spare when there is one, as a put: the first write's O_TRUNC open reuses its inode.
    return new FsStagedBlock(
      this.staging,
      this.spares.take() ?? this.tempPath(),
      async (tmp, opts, bytes) => {
        const file = await this.pathOf(key);
        await this.dirs.renameInto(tmp, file, opts);
        this.spares.put(file, bytes);
      },
      (e) => toFsError(e, key),
      { path: (crc, length) => path.join(this.tmpDir, sealedName(key, crc, length)), files: this.sealed },
    );
  }

  private async putFile(
    key: string,
    file: string,
    parts: readonly Buffer[],
    opts?: BlockWriteOptions,
  ): Promise<void> {
    // Over a spare when there is one: an O_TRUNC open reuses its inode (no inode allocation).
    const tmp = this.spares.take() ?? this.tempPath();
    try {
      await this.writeTemp(tmp, parts);
      await this.dirs.renameInto(tmp, file, opts);
      this.spares.put(
        file,
        parts.reduce((n, b) => n + b.length, 0),
      );
    } catch (e) {
      await fsp.rm(tmp, { force: true }).catch(() => {});
      throw toFsError(e, key);
    }
  }

  /**
   * Opens the temp file `tmp` in this process's staging directory (`create`: a new, empty one).
   * `dsync` (a put's): O_DSYNC, so each write returns durable as a write plus fdatasync would
   * (POSIX synchronized I/O data integrity), one threadpool job fewer per put.
   */
  private async openTemp(tmp: string, create: boolean, dsync = false): Promise<fsp.FileHandle> {
    const flags = dsync ? SYNC_WRITE_FLAGS : create ? "w" : "r+";
    try {
      return await fsp.open(tmp, flags, 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT" || !create) throw e;
      await fsp.mkdir(this.tmpDir, { recursive: true }); // removed under us (by hand): made again
      return await fsp.open(tmp, flags, 0o600);
    }
  }

  /** Writes the temp file `tmp` durably (O_DSYNC). */
  private async writeTemp(tmp: string, parts: readonly Buffer[]): Promise<void> {
    const fh = await this.openTemp(tmp, true, true);
    try {
      await writeAll(fh, parts);
    } finally {
      await fh.close();
    }
  }

  async get(key: string, offset = 0, length?: number): Promise<Buffer> {
    const file = await this.pathOf(key);
    return this.spares.reading(file, () => readRange(key, file, offset, length));
  }

  async delete(key: string, opts?: BlockWriteOptions): Promise<void> {
    const file = await this.pathOf(key);
    return this.writes.run(() => this.deleteFile(key, file, opts));
  }

  private async deleteFile(key: string, file: string, opts?: BlockWriteOptions): Promise<void> {
    let changed: string;
    try {
      await this.removeFile(file);
      changed = await this.dirs.prune(path.dirname(file));
    } catch (e) {
      // No such key: nothing changed, so there is nothing to make durable.
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
      throw toFsError(e, key);
    }
    // Deferred: a GC delete must be durable before the WAL drops the truncate that redoes it
    // (else a crash could bring the old block back under a later extension of the file).
    try {
      if (!this.dirs.defer(changed, opts)) await this.dirs.syncNearest(changed);
    } catch (e) {
      throw toFsError(e, key);
    }
  }

  /** Unlinks the key's file, or moves it among the spares (a small block this store put). */
  private async removeFile(file: string): Promise<void> {
    const keep = this.spares.keep(file);
    if (keep === null) return fsp.unlink(file);
    try {
      await fsp.rename(file, keep.spare);
    } catch (e) {
      // The key is gone, or the staging directory (removed by hand): unlink says which.
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      return fsp.unlink(file);
    }
    this.spares.kept(keep.spare, file, keep.bytes);
  }

  /** Makes every deferred put/delete that returned before this call durable. */
  flush(): Promise<void> {
    // The sealed stages' removals and renames are entries of this process's staging directory.
    return this.dirs.flush(async () => ((await this.sealed.settle()) ? [this.tmpDir] : []));
  }

  async *list(prefix: string): AsyncIterable<string> {
    yield* await listKeys(this.root, this.layout ?? (await this.ready()), prefix);
  }

  async health(): Promise<BlockStoreHealth> {
    const t0 = performance.now();
    try {
      await fsp.access(this.root, constants.W_OK);
      return { ok: true, latencyMs: performance.now() - t0 };
    } catch (e) {
      return { ok: false, latencyMs: performance.now() - t0, detail: (e as Error).message };
    }
  }

  async close(): Promise<void> {
    await this.dirs.close();
    await Promise.all(this.spares.drain().map((f) => fsp.rm(f, { force: true }).catch(() => {})));
  }
}

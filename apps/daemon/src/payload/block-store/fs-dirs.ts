/**
 * The fs block store's key directories (fs.ts): which exist (a put skips its mkdir), which
 * deferSync puts and deletes changed and flush() still has to fsync, and the shard directories'
 * descriptors kept open for those fsyncs. A put renames its temp file in here; a delete prunes the
 * directories its last block leaves empty (never a shard, fs-layout.ts).
 */
import { constants, promises as fsp } from "node:fs";
import path from "node:path";
import type { BlockWriteOptions } from "../types.ts";
import { syncDir, toFsError } from "./fs-io.ts";
import { isShardDir } from "./fs-layout.ts";

/** Directories awaiting flush(); past this a deferSync put or delete syncs its own. */
export const UNSYNCED_DIRS_MAX = 16_384;
/** Directories remembered as existing (skips a mkdir per put); forgotten all at once past this. */
const KNOWN_DIRS_MAX = 65_536;
/** A put whose directory a concurrent delete pruned makes it again, at most this often. */
const PUT_MKDIR_ATTEMPTS_MAX = 3;

export class FsDirs {
  private readonly knownDirs = new Set<string>();
  /** Directories changed (rename, unlink) by deferSync calls and not fsynced since. */
  private readonly unsyncedDirs = new Set<string>();
  /** The flush in progress: a later flush waits for it (it holds what it took from the set). */
  private flushing: Promise<void> = Promise.resolve();
  /**
   * Shard directories (layout 2, never pruned), kept open for flush()'s fsyncs: a burst of small
   * files fsyncs up to 256 of them per flush, each an open, fsync and close before.
   */
  private readonly shardDirs = new Map<string, Promise<fsp.FileHandle>>();

  constructor(private readonly root: string) {}

  /**
   * Renames the written temp file over `file`, creating its directory first when needed, and
   * fsyncs the directory (deferSync: at the next flush). A delete may prune the directory between
   * the mkdir and the rename (it was empty): then it is made again.
   */
  async renameInto(tmp: string, file: string, opts?: BlockWriteOptions): Promise<void> {
    const dir = path.dirname(file);
    for (let attempt = 1; ; attempt++) {
      try {
        if (!this.knownDirs.has(dir)) await this.makeDir(dir);
        await fsp.rename(tmp, file);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOENT" || attempt >= PUT_MKDIR_ATTEMPTS_MAX) throw e;
        this.knownDirs.delete(dir);
        this.knownDirs.delete(path.dirname(dir));
      }
    }
    if (!this.defer(dir, opts)) await syncDir(dir);
  }

  /**
   * mkdir of `dir` and of the parents not known to exist, top down: a new payload's first put costs
   * two mkdirs (payload, chunk), where a recursive mkdir tries the chunk first, fails, and retries.
   */
  private async makeDir(dir: string): Promise<void> {
    const parent = path.dirname(dir);
    if (parent !== this.root && !this.knownDirs.has(parent)) await this.makeDir(parent);
    try {
      await fsp.mkdir(dir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT")
        await fsp.mkdir(dir, { recursive: true }); // the root is gone, or a parent was pruned
      else if (code !== "EEXIST") throw e;
    }
    if (this.knownDirs.size >= KNOWN_DIRS_MAX) this.knownDirs.clear();
    this.knownDirs.add(dir);
  }

  /** Leaves `dir` to the next flush when `opts` allow it; false: the caller fsyncs it now. */
  defer(dir: string, opts: BlockWriteOptions | undefined): boolean {
    if (opts?.deferSync !== true || this.unsyncedDirs.size >= UNSYNCED_DIRS_MAX) return false;
    this.unsyncedDirs.add(dir);
    return true;
  }

  /**
   * Removes `dir` and its parents below the root while they are empty (a create/remove workload
   * would otherwise leave two empty directories per file forever); shard directories stay.
   * Returns the directory whose entries the delete changed last: the one to fsync.
   */
  async prune(dir: string): Promise<string> {
    let d = dir;
    while (d !== this.root && d.startsWith(this.root) && !isShardDir(this.root, d)) {
      try {
        await fsp.rmdir(d);
      } catch {
        return d; // ENOTEMPTY (a put came first), or gone already: either way this one changed
      }
      this.knownDirs.delete(d);
      d = path.dirname(d);
    }
    return d;
  }

  /**
   * fsync of `dir`, or of its nearest existing ancestor when a delete pruned it: its removal is
   * in the parent, and a directory gone for good holds no entry that could come back.
   */
  async syncNearest(dir: string): Promise<void> {
    for (let d = dir; ; d = path.dirname(d)) {
      try {
        return await (isShardDir(this.root, d) ? this.syncShard(d) : syncDir(d));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOENT" || d === this.root || !d.startsWith(this.root))
          throw e;
      }
    }
  }

  /** fsync of a shard directory through the descriptor kept open for it. */
  private async syncShard(dir: string): Promise<void> {
    let fh = this.shardDirs.get(dir);
    if (fh === undefined) {
      const opening = fsp.open(dir, constants.O_RDONLY);
      opening.catch(() => this.shardDirs.delete(dir));
      this.shardDirs.set(dir, opening);
      fh = opening;
    }
    await (await fh).sync();
  }

  /**
   * Makes every deferred change that returned before this call durable; `more` runs first, in
   * turn with other flushes, and names further directories to fsync.
   */
  flush(more: () => Promise<readonly string[]>): Promise<void> {
    const run = this.flushing.then(() => this.flushNow(more));
    this.flushing = run.catch(() => {});
    return run;
  }

  private async flushNow(more: () => Promise<readonly string[]>): Promise<void> {
    for (const d of await more()) this.unsyncedDirs.add(d);
    const dirs = [...this.unsyncedDirs];
    this.unsyncedDirs.clear();
    try {
      // One at a time: the first fsync commits the journal for all of them (the rest are cheap),
      // and the libuv threadpool stays free for the WAL's fdatasync.
      for (const d of dirs) await this.syncNearest(d);
    } catch (e) {
      for (const d of dirs) this.unsyncedDirs.add(d);
      throw toFsError(e, "flush");
    }
  }

  /** Closes the shard directories' descriptors. */
  async close(): Promise<void> {
    const shards = [...this.shardDirs.values()];
    this.shardDirs.clear();
    await Promise.all(shards.map((fh) => fh.then((h) => h.close()).catch(() => {})));
  }
}

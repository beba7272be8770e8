/**
 * Local-filesystem block store: one file per block at `<root>/<key>`. A put writes a temp file in
 * the same directory, fsyncs it, renames it over the key and fsyncs the directory, so a block is
 * either the old or the new content after a crash, never a mix, and durable on return. Keys are
 * validated (keys.ts) and never come from client-supplied names.
 *
 * deferSync puts/deletes (the engine's uploads and GC, which keep the WAL records that redo them
 * until flush() returns: wal/retention.ts reclaims the WAL only behind a flush) skip the directory
 * fsync: flush() fsyncs each changed directory once, so a run of puts into one chunk directory
 * costs one directory fsync, off the upload path. The data is still fsynced before the rename, so
 * after a crash a key holds its old or its new block, never a torn one. (Only the leaf directory
 * is fsynced, also for a put that created its parents: on ext4/xfs that fsync commits the journal
 * transaction holding the parents' mkdir as well.)
 *
 * (Tried and dropped: deferring a new key's data fsync too. The unsynced block data then piles up
 * as dirty pages the kernel throttles the WAL's writes against, and data=ordered journal commits
 * for the WAL's fdatasync have to write it out.)
 */
import { randomBytes } from "node:crypto";
import { constants, promises as fsp } from "node:fs";
import path from "node:path";
import { FsError } from "../../errors.ts";
import type { BlockStore, BlockStoreHealth, BlockWriteOptions } from "../types.ts";
import { assertBlockKey } from "./keys.ts";

const TEMP_PREFIX = ".tmp-";
/** Directories awaiting flush(); past this a deferSync put or delete syncs its own. */
export const UNSYNCED_DIRS_MAX = 16_384;

function toFsError(e: unknown, key: string): FsError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return new FsError("ENOENT", key);
  if (code === "ENOSPC") return new FsError("ENOSPC", key);
  if (code === "EDQUOT") return new FsError("EDQUOT", key);
  return new FsError("EIO", `${key}: ${(e as Error).message}`);
}

async function syncDir(dir: string): Promise<void> {
  const fh = await fsp.open(dir, constants.O_RDONLY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export class FsBlockStore implements BlockStore {
  readonly type = "fs";
  private readonly knownDirs = new Set<string>();
  /** Directories changed (rename, unlink) by deferSync calls and not fsynced since. */
  private unsyncedDirs = new Set<string>();
  /** The flush in progress: a later flush waits for it (it holds what it took from the sets). */
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly root: string) {}

  async open(): Promise<this> {
    await fsp.mkdir(this.root, { recursive: true });
    return this;
  }

  private pathOf(key: string): string {
    assertBlockKey(key);
    return path.join(this.root, key);
  }

  async put(key: string, data: Buffer, opts?: BlockWriteOptions): Promise<void> {
    const file = this.pathOf(key);
    const dir = path.dirname(file);
    const defer = this.canDefer(opts);
    const tmp = path.join(dir, `${TEMP_PREFIX}${randomBytes(6).toString("hex")}`);
    try {
      if (!this.knownDirs.has(dir)) {
        await fsp.mkdir(dir, { recursive: true });
        this.knownDirs.add(dir);
      }
      const fh = await fsp.open(tmp, "w", 0o600);
      try {
        await fh.write(data, 0, data.length, 0);
        await fh.datasync();
      } finally {
        await fh.close();
      }
      await fsp.rename(tmp, file);
      if (defer) this.unsyncedDirs.add(dir);
      else await syncDir(dir);
    } catch (e) {
      await fsp.rm(tmp, { force: true }).catch(() => {});
      if ((e as NodeJS.ErrnoException).code === "ENOENT") this.knownDirs.delete(dir);
      throw toFsError(e, key);
    }
  }

  private canDefer(opts: BlockWriteOptions | undefined): boolean {
    return opts?.deferSync === true && this.unsyncedDirs.size < UNSYNCED_DIRS_MAX;
  }

  async get(key: string, offset = 0, length?: number): Promise<Buffer> {
    const file = this.pathOf(key);
    let fh: fsp.FileHandle;
    try {
      fh = await fsp.open(file, "r");
    } catch (e) {
      throw toFsError(e, key);
    }
    try {
      const size = (await fh.stat()).size;
      const start = Math.min(offset, size);
      const end = length === undefined ? size : Math.min(size, start + length);
      const buf = Buffer.allocUnsafe(end - start);
      let done = 0;
      while (done < buf.length) {
        const { bytesRead } = await fh.read(buf, done, buf.length - done, start + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return done === buf.length ? buf : buf.subarray(0, done);
    } catch (e) {
      throw toFsError(e, key);
    } finally {
      await fh.close();
    }
  }

  async delete(key: string, opts?: BlockWriteOptions): Promise<void> {
    const file = this.pathOf(key);
    try {
      await fsp.rm(file, { force: true });
      // Deferred: a GC delete must be durable before the WAL drops the truncate that redoes it
      // (else a crash could bring the old block back under a later extension of the file).
      if (this.canDefer(opts)) this.unsyncedDirs.add(path.dirname(file));
      else if (opts?.deferSync === true) await syncDir(path.dirname(file));
    } catch (e) {
      throw toFsError(e, key);
    }
  }

  /** Makes every deferred put/delete that returned before this call durable. */
  flush(): Promise<void> {
    const run = this.flushing.then(() => this.flushNow());
    this.flushing = run.catch(() => {});
    return run;
  }

  private async flushNow(): Promise<void> {
    const dirs = [...this.unsyncedDirs];
    this.unsyncedDirs.clear();
    try {
      // One at a time: the first fsync commits the journal for all of them (the rest are cheap),
      // and the libuv threadpool stays free for the WAL's fdatasync.
      for (const d of dirs) await syncDir(d);
    } catch (e) {
      for (const d of dirs) this.unsyncedDirs.add(d);
      throw toFsError(e, "flush");
    }
  }

  async *list(prefix: string): AsyncIterable<string> {
    // Walk only the deepest directory the prefix names, then filter by the full prefix.
    const slash = prefix.lastIndexOf("/");
    const base = slash < 0 ? "" : prefix.slice(0, slash);
    if (base !== "") assertBlockKey(base);
    const found: string[] = [];
    await this.walk(base, found);
    found.sort();
    for (const k of found) if (k.startsWith(prefix)) yield k;
  }

  private async walk(rel: string, out: string[]): Promise<void> {
    let entries: import("node:fs").Dirent[];
    try {
      entries = await fsp.readdir(path.join(this.root, rel), { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "ENOTDIR")
        return;
      throw toFsError(e, rel);
    }
    for (const ent of entries) {
      if (ent.name.startsWith(TEMP_PREFIX)) continue;
      const child = rel === "" ? ent.name : `${rel}/${ent.name}`;
      if (ent.isDirectory()) await this.walk(child, out);
      else if (ent.isFile()) out.push(child);
    }
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

  async close(): Promise<void> {}
}

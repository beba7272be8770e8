/**
 * Local-filesystem block store: one file per block at `<root>/<key>`. A put writes a temp file in
 * the same directory, fsyncs it, renames it over the key and fsyncs the directory, so a block is
 * either the old or the new content after a crash, never a mix, and durable on return. Keys are
 * validated (keys.ts) and never come from client-supplied names.
 *
 * deferSync puts/deletes (the engine's uploads and GC, which keep the WAL records that redo them
 * until flush() returns: share-payload.ts reclaims the WAL only behind a flush) skip the directory
 * fsync, and a new key also skips the data fsync: flush() does them in one pass, where ext4/xfs
 * fold them into a journal commit or two instead of two per put. Readers still see a put whole
 * (rename), and a key with old content is still replaced crash-safely (its data is fsynced before
 * the rename). Only a new key may come back missing or short after a crash before the flush
 * (these filesystems never expose stale blocks of an unsynced file, only zeros or a short file):
 * nothing but the WAL records that redo it ever wrote it.
 */
import { randomBytes } from "node:crypto";
import { constants, promises as fsp } from "node:fs";
import path from "node:path";
import { FsError } from "../../errors.ts";
import type { BlockStore, BlockStoreHealth, BlockWriteOptions } from "../types.ts";
import { assertBlockKey } from "./keys.ts";

const TEMP_PREFIX = ".tmp-";
/** Deferred files/directories awaiting flush(); past this a put or delete syncs on its own. */
export const UNSYNCED_ENTRIES_MAX = 16_384;

function toFsError(e: unknown, key: string): FsError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return new FsError("ENOENT", key);
  if (code === "ENOSPC") return new FsError("ENOSPC", key);
  if (code === "EDQUOT") return new FsError("EDQUOT", key);
  return new FsError("EIO", `${key}: ${(e as Error).message}`);
}

/** fsync (dir) or fdatasync (file) by path; a file gone meanwhile (deleted/replaced) is fine. */
async function syncPath(p: string, data: boolean): Promise<void> {
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(p, constants.O_RDONLY);
  } catch (e) {
    if (data && (e as NodeJS.ErrnoException).code === "ENOENT") return;
    throw e;
  }
  try {
    await (data ? fh.datasync() : fh.sync());
  } finally {
    await fh.close();
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fsp.access(file);
    return true;
  } catch {
    return false;
  }
}

export class FsBlockStore implements BlockStore {
  readonly type = "fs";
  private readonly knownDirs = new Set<string>();
  /** New block files written without fdatasync, and directories changed without fsync. */
  private unsyncedFiles = new Set<string>();
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
      if (!this.knownDirs.has(dir)) await this.makeDir(dir, defer);
      // A new key has no old content a torn file could destroy: its data may wait for flush().
      const fresh = defer && !(await exists(file));
      const fh = await fsp.open(tmp, "w", 0o600);
      try {
        await fh.write(data, 0, data.length, 0);
        if (!fresh) await fh.datasync();
      } finally {
        await fh.close();
      }
      await fsp.rename(tmp, file);
      if (!defer) await syncPath(dir, false);
      else {
        if (fresh) this.unsyncedFiles.add(file);
        this.unsyncedDirs.add(dir);
      }
    } catch (e) {
      await fsp.rm(tmp, { force: true }).catch(() => {});
      if ((e as NodeJS.ErrnoException).code === "ENOENT") this.knownDirs.delete(dir);
      throw toFsError(e, key);
    }
  }

  private canDefer(opts: BlockWriteOptions | undefined): boolean {
    return (
      opts?.deferSync === true && this.unsyncedFiles.size + this.unsyncedDirs.size < UNSYNCED_ENTRIES_MAX
    );
  }

  /** mkdir -p; the parents of the directories it created hold new entries to make durable. */
  private async makeDir(dir: string, defer: boolean): Promise<void> {
    const created = await fsp.mkdir(dir, { recursive: true });
    if (created !== undefined) {
      const top = path.dirname(created);
      for (let d = dir; d !== top && d.length > top.length; d = path.dirname(d)) {
        if (defer) this.unsyncedDirs.add(path.dirname(d));
        else await syncPath(path.dirname(d), false);
      }
    }
    this.knownDirs.add(dir);
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
      else if (opts?.deferSync === true) await syncPath(path.dirname(file), false);
    } catch (e) {
      throw toFsError(e, key);
    }
  }

  /** Makes every deferred put/delete that returned before this call durable: data, then names. */
  flush(): Promise<void> {
    const run = this.flushing.then(() => this.flushNow());
    this.flushing = run.catch(() => {});
    return run;
  }

  private async flushNow(): Promise<void> {
    const files = [...this.unsyncedFiles];
    const dirs = [...this.unsyncedDirs];
    this.unsyncedFiles.clear();
    this.unsyncedDirs.clear();
    try {
      // One at a time: the first sync commits the journal for all of them (the rest are cheap),
      // and the libuv threadpool stays free for the WAL's fdatasync.
      for (const f of files) await syncPath(f, true);
      for (const d of dirs) await syncPath(d, false);
    } catch (e) {
      for (const f of files) this.unsyncedFiles.add(f);
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

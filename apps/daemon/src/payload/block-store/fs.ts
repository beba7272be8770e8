/**
 * Local-filesystem block store: one file per block at `<root>/<key>`. A put writes a temp file in
 * the same directory, fsyncs it, renames it over the key and fsyncs the directory, so a block is
 * either the old or the new content after a crash, never a mix (the WAL is reclaimed only after a
 * put returns, so the block must be durable by then). Keys are validated (keys.ts) and never come
 * from client-supplied names.
 */
import { randomBytes } from "node:crypto";
import { constants, promises as fsp } from "node:fs";
import path from "node:path";
import { FsError } from "../../errors.ts";
import type { BlockStore, BlockStoreHealth } from "../types.ts";
import { assertBlockKey } from "./keys.ts";

const TEMP_PREFIX = ".tmp-";

function toFsError(e: unknown, key: string): FsError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return new FsError("ENOENT", key);
  if (code === "ENOSPC") return new FsError("ENOSPC", key);
  if (code === "EDQUOT") return new FsError("EDQUOT", key);
  return new FsError("EIO", `${key}: ${(e as Error).message}`);
}

async function fsyncDir(dir: string): Promise<void> {
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

  constructor(private readonly root: string) {}

  async open(): Promise<this> {
    await fsp.mkdir(this.root, { recursive: true });
    return this;
  }

  private pathOf(key: string): string {
    assertBlockKey(key);
    return path.join(this.root, key);
  }

  async put(key: string, data: Buffer): Promise<void> {
    const file = this.pathOf(key);
    const dir = path.dirname(file);
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
      await fsyncDir(dir);
    } catch (e) {
      await fsp.rm(tmp, { force: true }).catch(() => {});
      if ((e as NodeJS.ErrnoException).code === "ENOENT") this.knownDirs.delete(dir);
      throw toFsError(e, key);
    }
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

  async delete(key: string): Promise<void> {
    try {
      await fsp.rm(this.pathOf(key), { force: true });
    } catch (e) {
      throw toFsError(e, key);
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

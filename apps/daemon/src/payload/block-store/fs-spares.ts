/**
 * Spare inodes of an fs block store (docs/payload.md "Spare inodes"): a delete of a small block
 * this store put renames its file into the staging directory instead of unlinking it, and a later
 * put writes its temp file over that spare (O_TRUNC) instead of creating a new file.
 *
 * Why: creating a file costs far more than reusing one when the filesystem has many recently
 * deleted inodes. On a journal-less ext4 (this project's VMs), `__ext4_new_inode` steps over every
 * inode freed in the last 30 s (`recently_deleted` in `find_inode_bit`); with a create/remove
 * workload beside it, an open(O_CREAT) of a temp file cost 0.6-1 ms of CPU against 46 µs for an
 * O_TRUNC open of an existing file (`perf`: 67% in recently_deleted). Renaming the deleted file
 * costs what unlinking it did.
 *
 * Only blocks known small are kept (their sizes noted at put), and the pool holds at most
 * SPARES_DISK_BYTES_MAX of disk. A spare is a temp file: never read as a key, swept with the
 * staging directory after a crash. A get() may still hold the deleted key's inode open: a spare
 * is not reused while a get of the key it came from is in flight, so no reader ever sees another
 * key's bytes (it sees the old block, as after an unlink, or ENOENT).
 */
import path from "node:path";

/** Spares kept at most: a burst of small files after as many removes creates no file. */
const SPARES_MAX = 4096;
/** Blocks of at most this many bytes are kept as spares. */
export const SPARE_BYTES_MAX = 64 * 1024;
/** Disk the spares may hold (each counted as at least one 4 KiB filesystem block). */
export const SPARES_DISK_BYTES_MAX = 16 * 1024 * 1024;
const FS_BLOCK_BYTES = 4096;
/** Sizes of put blocks remembered (forgotten all at once past this). */
const SIZES_MAX = 65_536;

interface Spare {
  readonly file: string;
  /** Disk it holds (its size rounded up to filesystem blocks). */
  readonly bytes: number;
  /** The key file it was: gets of it in flight may read this inode. */
  readonly from: string;
}

export class SparePool {
  private readonly free: Spare[] = [];
  /** Small blocks this store put, by file: the deletes that may keep them. */
  private readonly sizes = new Map<string, number>();
  /** Gets in flight per key file. */
  private readonly readers = new Map<string, number>();
  private named = 0;
  /** Disk held by the free spares. */
  private held = 0;

  constructor(
    private readonly dir: string,
    private readonly prefix: string,
  ) {}

  /** A put stored `bytes` at `file`. */
  put(file: string, bytes: number): void {
    if (bytes > SPARE_BYTES_MAX) {
      this.sizes.delete(file);
      return;
    }
    if (this.sizes.size >= SIZES_MAX) this.sizes.clear();
    this.sizes.set(file, bytes);
  }

  /** A spare to write a temp file over, or null (create one). */
  take(): string | null {
    for (let i = this.free.length - 1; i >= 0; i--) {
      const s = this.free[i]!;
      if (this.readers.has(s.from)) continue;
      this.free.splice(i, 1);
      this.held -= s.bytes;
      return s.file;
    }
    return null;
  }

  /** Where a delete of `file` should move it, and the disk it holds; null: unlink it. */
  keep(file: string): { spare: string; bytes: number } | null {
    const size = this.sizes.get(file);
    if (size === undefined) return null;
    this.sizes.delete(file);
    const bytes = Math.max(FS_BLOCK_BYTES, Math.ceil(size / FS_BLOCK_BYTES) * FS_BLOCK_BYTES);
    if (this.free.length >= SPARES_MAX || this.held + bytes > SPARES_DISK_BYTES_MAX) return null;
    return { spare: path.join(this.dir, `${this.prefix}${this.named++}`), bytes };
  }

  /** The delete moved `from` to `file` (keep()'s answer). */
  kept(file: string, from: string, bytes: number): void {
    this.free.push({ file, from, bytes });
    this.held += bytes;
  }

  /** Runs a get of `file`, counted as a reader of it. */
  async reading<T>(file: string, read: () => Promise<T>): Promise<T> {
    this.readers.set(file, (this.readers.get(file) ?? 0) + 1);
    try {
      return await read();
    } finally {
      const n = this.readers.get(file)! - 1;
      if (n === 0) this.readers.delete(file);
      else this.readers.set(file, n);
    }
  }

  /** The spares left (close() removes them). */
  drain(): string[] {
    this.held = 0;
    return this.free.splice(0).map((s) => s.file);
  }
}

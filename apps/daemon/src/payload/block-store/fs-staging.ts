/**
 * Staging files of the fs block store (docs/payload.md "Write-behind"): the temp file a block is
 * written into, frame by frame at each frame's offset, before a publish (fdatasync, rename) makes
 * it the key's content. This file owns their format (the block's bytes at their block offsets,
 * nothing else) and their descriptors; fs.ts owns the names, the sweep after a crash and the rename.
 *
 * Bounds, so a writer faster than the disk never queues without limit: positional writes in flight
 * (STAGE_WRITES_MAX, apart from the puts' gate: a stage write must not wait behind a put's
 * fdatasync) and open descriptors (STAGE_FDS_MAX; the least recently written one is closed and
 * reopened by name when its block is written again). The engine keeps one write in flight per
 * block and makes writers wait when its backlog grows (transfer/write-behind.ts).
 */
import { promises as fsp } from "node:fs";
import type { BlockWriteOptions, StagedPut } from "../types.ts";
import { writeAll } from "./fs-io.ts";
import type { SealedFiles } from "./fs-sealed.ts";
import { IoGate } from "./io-gate.ts";

/**
 * Stage writes in flight at once. Each holds a libuv threadpool thread (4 by default) while the
 * kernel copies the bytes into the page cache. Two made a 4 KiB UNSTABLE write's p50 during a
 * 256 MiB burst 0.07-1.2 ms against 0.03-0.04 with one (bench/payload-latency.ts, load 18): the
 * WAL's writev waited behind them.
 */
export const STAGE_WRITES_MAX = 1;
/**
 * Staging files being opened (created) at once, outside the writes' gate: a create waits for the
 * filesystem journal (about 1 ms here, 8-180 ms while other processes fsync), and inside the gate it
 * held every other block's staging writes for as long (docs/payload.md "Write-behind").
 */
export const STAGE_OPENS_MAX = 1;
/** libuv's threadpool size: UV_THREADPOOL_SIZE as the process started (the daemon's is 16), else 4. */
const THREADPOOL_SIZE = Number(process.env.UV_THREADPOOL_SIZE) || 4;
/**
 * Publishes (fdatasync, rename) in flight at once, apart from the puts' gate: half the threadpool,
 * 2 to 8 (8 in the daemon). A COMMIT publishes every staged block of its file at once, and
 * fdatasyncs in flight together share the filesystem's journal commits: 64 files of 4 MiB took
 * 0.15-0.39 s to fdatasync 2 at a time, 0.13-0.25 s 8 at a time, and one 256 MiB file (a kernel
 * server's COMMIT) 0.10-0.24 s (load 5-8).
 */
export const STAGE_PUBLISHES_MAX = Math.min(8, Math.max(2, THREADPOOL_SIZE >> 1));
/** Staging files kept open; a block being written holds one, a completed block's is closed first. */
export const STAGE_FDS_MAX = 32;
/** Opens a temp file for writing (created when missing); fs.ts makes the staging directory again if needed. */
export type OpenTemp = (tmp: string, create: boolean) => Promise<fsp.FileHandle>;
/** fs.ts: renames the fdatasynced temp file over the key (the rest of a put); `bytes`: its size. */
export type RenameTemp = (tmp: string, opts: BlockWriteOptions | undefined, bytes: number) => Promise<void>;
/** fs.ts: the sealed name of the block's file (fs-sealed.ts), and the store's count of sealed files. */
export interface Sealing {
  path(crc: number, length: number): string;
  files: SealedFiles;
}

/** The open staging files of one store: descriptors (bounded, least recently written closed first). */
export class StagingFiles {
  readonly writes = new IoGate(STAGE_WRITES_MAX);
  readonly opens = new IoGate(STAGE_OPENS_MAX);
  readonly publishes: IoGate;
  /** Open files, least recently used first (a Set keeps insertion order). */
  private readonly open = new Set<FsStagedBlock>();

  constructor(
    readonly openTemp: OpenTemp,
    publishesMax = STAGE_PUBLISHES_MAX,
  ) {
    this.publishes = new IoGate(publishesMax);
  }

  /** `f` holds a descriptor now: closes the least recently used idle ones past STAGE_FDS_MAX. */
  used(f: FsStagedBlock): void {
    this.open.delete(f);
    this.open.add(f);
    if (this.open.size <= STAGE_FDS_MAX) return;
    for (const old of this.open) {
      if (this.open.size <= STAGE_FDS_MAX) break;
      if (old !== f && old.closeIdle()) this.open.delete(old);
    }
  }

  closed(f: FsStagedBlock): void {
    this.open.delete(f);
  }

  /** Open descriptors (tests). */
  get openCount(): number {
    return this.open.size;
  }
}

/**
 * One block being staged: a temp file no get() or list() reads. Calls run one after another in
 * call order (a write, then the publish or discard that follows it), each write through the
 * staging gate. After publish or discard the handle is spent: later calls fail (write) or do nothing.
 */
export class FsStagedBlock implements StagedPut {
  private fh: fsp.FileHandle | null = null;
  private created = false;
  private busy = false;
  /** Published, or being published, or discarded: written, published and sealed no more. */
  private spent = false;
  /** Renamed over the key or removed: a discard has nothing left to remove. */
  private gone = false;
  /** Renamed to its sealed name (seal): written no more, and its removal is tracked. */
  private sealed = false;
  /**
   * The length seal() was called with, counted in the store's SealedFiles until the file is
   * published, removed or its seal failed; -1 when not counted. A discard of a file counted is a
   * sealed file's removal (tracked from the call on).
   */
  private sealedLength = -1;
  /** End of the bytes written (the file's size). */
  private end = 0;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly files: StagingFiles,
    private tmp: string,
    private readonly rename: RenameTemp,
    private readonly toError: (e: unknown) => Error,
    private readonly sealing: Sealing,
  ) {}

  private queue<T>(op: () => Promise<T>): Promise<T> {
    const run = this.chain.then(op);
    this.chain = run.catch(() => {});
    return run;
  }

  write(offset: number, parts: readonly Buffer[]): Promise<void> {
    return this.queue(async () => {
      if (this.spent || this.sealed)
        throw this.toError(new Error("staged block published, discarded or sealed"));
      try {
        // Opened (created) before the writes' gate while descriptors are below their bound, so
        // another block's write goes on meanwhile; past the bound, inside it as before, where the
        // least recently written idle file is closed for it (its descriptor may also be closed
        // while this write waits at the gate: it is then opened again there).
        if (this.fh === null && this.files.openCount < STAGE_FDS_MAX)
          await this.files.opens.run(() => this.handle());
        await this.files.writes.run(async () => {
          this.busy = true; // not closed from under the write (closeIdle)
          try {
            await writeAll(await this.handle(), parts, offset);
          } finally {
            this.busy = false;
          }
        });
        this.end = Math.max(this.end, offset + parts.reduce((n, b) => n + b.length, 0));
      } catch (e) {
        throw this.toError(e);
      }
    });
  }

  private async handle(): Promise<fsp.FileHandle> {
    if (this.fh === null) {
      this.fh = await this.files.openTemp(this.tmp, !this.created);
      this.created = true;
    }
    this.files.used(this);
    return this.fh;
  }

  /** Closes the descriptor unless a write is using it (StagingFiles' bound); a later write reopens it. */
  closeIdle(): boolean {
    if (this.busy || this.fh === null) return false;
    const fh = this.fh;
    this.fh = null;
    void fh.close().catch(() => {});
    return true;
  }

  private async closeNow(): Promise<void> {
    const fh = this.fh;
    this.fh = null;
    this.files.closed(this);
    if (fh !== null) await fh.close().catch(() => {});
  }

  /** fdatasync, then the rename over the key: exactly the rest of a put. */
  publish(opts?: BlockWriteOptions): Promise<void> {
    return this.queue(() => this.files.publishes.run(() => this.publishNow(opts)));
  }

  private async publishNow(opts?: BlockWriteOptions): Promise<void> {
    if (this.spent || !this.created) throw this.toError(new Error("nothing staged to publish"));
    this.spent = true;
    try {
      // fdatasync through a new descriptor syncs the file's pages all the same (they are the inode's).
      const fh = this.fh ?? (await this.files.openTemp(this.tmp, false));
      this.fh = fh;
      await fh.datasync();
      await this.closeNow();
      await this.rename(this.tmp, opts, this.end);
      this.gone = true;
      this.uncount();
    } catch (e) {
      await this.closeNow();
      // A sealed file stays until discard(): the engine puts the block whole first, and a kill in
      // between must find what the CLOSE acknowledged (docs/payload.md "CLOSE"). Before, it went
      // here, before that put. Published no more either way (a failed fdatasync proves nothing later).
      if (!this.sealed) {
        this.gone = true;
        await fsp.rm(this.tmp, { force: true }).catch(() => {});
      }
      throw this.toError(e);
    }
  }

  discard(): Promise<void> {
    const run = this.queue(async () => {
      if (this.gone) return;
      this.gone = true;
      this.spent = true;
      await this.closeNow();
      if (this.sealed) await this.sealing.files.remove(this.tmp);
      else if (this.created) await fsp.rm(this.tmp, { force: true }).catch(() => {});
      this.uncount();
    });
    // Tracked from the call on, not once the queue reaches it: a flush() that starts meanwhile
    // (before a WAL reclaim) must wait for this removal (fs-sealed.ts SealedFiles).
    if (this.sealedLength >= 0) this.sealing.files.track(run);
    return run;
  }

  /** The file is sealed no more (published, removed, or its seal failed): out of the store's count. */
  private uncount(): void {
    if (this.sealedLength < 0) return;
    this.sealing.files.gone(this.sealedLength);
    this.sealedLength = -1;
  }

  /**
   * CLOSE (fs-sealed.ts): renames the file, in the staging directory, to a name that says it holds
   * `length` bytes of CRC32C `crc`, which a restart after a kill adopts when they verify. Not
   * synced; no write follows (the engine starts a new file for later writes). Refused (EAGAIN)
   * when the store holds SEALED_FILES_MAX or SEALED_BYTES_MAX of sealed files already.
   */
  seal(crc: number, length: number): Promise<void> {
    if (this.sealedLength >= 0) return Promise.reject(this.toError(new Error("sealed already")));
    try {
      this.sealing.files.admit(length); // past the bound: refused, the CLOSE commits instead
    } catch (e) {
      return Promise.reject(e);
    }
    this.sealedLength = length;
    return this.queue(async () => {
      let to: string;
      try {
        if (this.spent || !this.created) throw new Error("nothing staged to seal");
        to = this.sealing.path(crc, length);
        await fsp.rename(this.tmp, to);
      } catch (e) {
        this.uncount();
        throw this.toError(e);
      }
      this.tmp = to;
      this.sealed = true;
    });
  }
}

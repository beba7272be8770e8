/**
 * Runs block-store I/O with bounded concurrency in two lanes: downloads (readers wait on them;
 * demand reads jump ahead of prefetches) and uploads/GC (background). Each lane has its own limit,
 * so a backlog of uploads to a slow store never delays a read. Uploads and GC retry with capped
 * exponential backoff until they succeed or the manager closes: a store that is down makes them
 * wait, never drops data. Downloads retry a few times, then fail the read with EIO. Background jobs
 * that are already safe (paced) wait for a pause in the requests (pacer.ts) unless urged.
 */
import type pino from "pino";
import { FsError, isFsError } from "../../domain/errors.ts";
import type { TransferStats } from "../../domain/stats.ts";
import { PacedQueue, Pacer } from "./pacer.ts";

/** Attempts for a download before the read fails. */
export const DOWNLOAD_ATTEMPTS_MAX = 3;
export const BACKOFF_INITIAL_MS = 50;
export const BACKOFF_MAX_MS = 5_000;
/** Queued jobs per lane, at most; beyond it enqueuers still queue (callers bound their own work). */
export const TRANSFER_QUEUE_WARN_DEPTH = 10_000;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Job {
  run: () => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  /** Date.now() when queued (a paced job waits at most the pacer's delayMaxMs). */
  queuedAt: number;
}

class Lane {
  running = 0;
  readonly queue: Job[] = [];
  constructor(readonly limit: number) {}
}

export class TransferManager {
  private readonly downloads: Lane;
  private readonly uploads: Lane;
  /** Paced jobs of the upload lane: they start when the pacer admits them (pacer.ts). */
  private readonly paced: PacedQueue<Job>;
  private readonly repump = () => this.pump(this.uploads);
  uploadedBytes = 0;
  downloadedBytes = 0;
  failures = 0;
  retries = 0;
  private closed = false;
  /** Closed: no upload runs any more (a COMMIT waiting for one must give up: uploads.ts storeNow). */
  get stopped(): boolean {
    return this.closed;
  }
  private readonly sleepers = new Set<() => void>();

  constructor(
    concurrency: number,
    private readonly logger: pino.Logger,
    pacer = new Pacer(),
  ) {
    this.paced = new PacedQueue(pacer);
    const n = Math.max(1, Math.floor(concurrency));
    this.downloads = new Lane(n);
    this.uploads = new Lane(n);
  }

  /** A demand download (front of the lane) or a prefetch (back); retried, then EIO. */
  download<T>(run: () => Promise<T>, prefetch = false): Promise<T> {
    return this.enqueue(this.downloads, () => this.retrying(run, DOWNLOAD_ATTEMPTS_MAX), !prefetch);
  }

  /**
   * Background work (upload, GC) in the upload lane; `run` retries its store calls via retry().
   * Each job starts on a later event-loop turn: a store that answers at once (memory) would
   * otherwise run a backlog of uploads back to back in one chain of microtasks, a 4 MiB copy
   * each, and no request would be read meanwhile (docs/payload.md "Background work").
   * A job with a `pacedTag` is work a crash cannot lose (bytes in the WAL, a GC, a
   * WAL reclaim): it waits while requests arrive (pacer.ts), at most the pacer's delayMaxMs, unless
   * promoted by its tag or urged.
   */
  background(run: () => Promise<void>, pacedTag: object | null = null): Promise<void> {
    return this.enqueue(this.uploads, () => nextTurn().then(run), false, pacedTag);
  }

  /** The paced job queued under `tag` starts without waiting for a pause (a COMMIT waits for it). */
  promote(tag: object): void {
    const job = this.paced.promote(tag);
    if (job === undefined) return;
    this.uploads.queue.push(job);
    this.pump(this.uploads);
  }

  /**
   * Starts every paced job waiting now without waiting for a pause: cache or WAL pressure, a flush,
   * a settle, a stop; until no paced job waits (later ones are paced again).
   */
  urge(): void {
    this.paced.urge();
    this.pump(this.uploads);
  }

  /**
   * Retries a store call with backoff until it succeeds, or `attempts` run out, or we close.
   * `failed` hears of each failed attempt (a COMMIT waiting for the upload counts them).
   */
  async retrying<T>(
    call: () => Promise<T>,
    attempts = Number.POSITIVE_INFINITY,
    cancelled: () => boolean = () => false,
    failed?: (e: unknown) => void,
  ): Promise<T> {
    let delay = BACKOFF_INITIAL_MS;
    for (let attempt = 1; ; attempt++) {
      if (this.closed || cancelled()) throw new FsError("EIO", "transfer cancelled");
      try {
        return await call();
      } catch (e) {
        // A missing block is an answer, not a failure.
        if (isFsError(e, "ENOENT") || isFsError(e, "EINVAL")) throw e;
        this.failures++;
        failed?.(e);
        if (attempt >= attempts || cancelled()) throw isFsError(e) ? e : new FsError("EIO", String(e));
        this.retries++;
        if (attempt === 1 || attempt % 20 === 0) {
          this.logger.warn({ err: (e as Error).message, attempt }, "block store call failed; retrying");
        }
        await this.sleep(delay * (0.5 + Math.random() / 2));
        delay = Math.min(BACKOFF_MAX_MS, delay * 2);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.sleepers.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.sleepers.add(done);
    });
  }

  private enqueue<T>(
    lane: Lane,
    run: () => Promise<T>,
    front: boolean,
    pacedTag: object | null = null,
  ): Promise<T> {
    if (this.closed) return Promise.reject(new FsError("EIO", "transfer manager closed"));
    return new Promise<T>((resolve, reject) => {
      const job: Job = { run, resolve: resolve as (v: unknown) => void, reject, queuedAt: Date.now() };
      if (pacedTag !== null) this.paced.add(job, pacedTag);
      else if (front) lane.queue.unshift(job);
      else lane.queue.push(job);
      if (lane.queue.length + this.paced.length === TRANSFER_QUEUE_WARN_DEPTH)
        this.logger.warn("transfer queue is deep");
      this.pump(lane);
    });
  }

  private pump(lane: Lane): void {
    while (lane.running < lane.limit) {
      const job = lane.queue.shift() ?? (lane === this.uploads ? this.paced.next(this.repump) : undefined);
      if (job === undefined) return;
      lane.running++;
      job
        .run()
        .then(job.resolve, job.reject)
        .finally(() => {
          lane.running--;
          this.pump(lane);
        });
    }
  }

  /** Cuts every backoff sleep short (a share closing wants its retry loops to notice now). */
  wake(): void {
    for (const wake of [...this.sleepers]) wake();
  }

  counters(): TransferStats {
    return {
      queueDepth: this.downloads.queue.length + this.uploads.queue.length + this.paced.length,
      uploadsInFlight: this.uploads.running,
      downloadsInFlight: this.downloads.running,
      uploadedBytes: this.uploadedBytes,
      downloadedBytes: this.downloadedBytes,
      failures: this.failures,
      retries: this.retries,
    };
  }

  /** Fails queued jobs and stops retry loops; running store calls finish on their own. */
  close(): void {
    this.closed = true;
    const err = new FsError("EIO", "transfer manager closed");
    for (const queue of [this.downloads.queue, this.uploads.queue, this.paced.drain()]) {
      for (const job of queue.splice(0)) job.reject(err);
    }
    this.paced.pacer.stop();
    for (const wake of [...this.sleepers]) wake();
  }
}

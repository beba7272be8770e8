/**
 * When background work that is already safe may start (issue 19: request latency must not depend
 * on background load). Publishing blocks whose bytes the WAL already keeps, block GC and WAL
 * reclaim wait while requests arrive (domain/activity.ts counts them) and start once none
 * arrived for a tick of PACE_QUIET_MS, as the kernel leaves dirty pages to its flusher. Bounded:
 * a job waits at most PACE_DELAY_MAX_MS, so a client that never pauses cannot starve it; a waiter
 * (a COMMIT) promotes its own jobs by their tag, and the transfer manager's urge() (cache or WAL
 * pressure, a flush, a stop) admits every waiting job at once.
 */
import { type RequestActivity, requestActivity } from "../../domain/activity.ts";

/** No request for this long: background jobs start. */
export const PACE_QUIET_MS = 5;
/**
 * A background job waits at most this long for a pause in the requests: Linux's dirty expiry
 * (vm.dirty_expire_centisecs, 30 s), Ganesha's writeback on the VFS FSAL. Shorter, a benchmark's
 * next phase (seconds after the writes) still meets the previous phase's uploads.
 */
export const PACE_DELAY_MAX_MS = 30_000;
/**
 * More WAL segments than this (64 MiB each by default) and reclaim, with the uploads it waits for,
 * goes at once: deferred work must not grow the WAL on disk without bound.
 */
export const PACE_WAL_SEGMENTS_MAX = 4;

export interface PacerOptions {
  activity?: RequestActivity;
  quietMs?: number;
  delayMaxMs?: number;
}

export class Pacer {
  private readonly activity: RequestActivity;
  private readonly quietMs: number;
  readonly delayMaxMs: number;
  /** The request count at the last tick, and whether it had not moved over that tick. */
  private seen: number;
  private quiet = true;
  private timer: NodeJS.Timeout | null = null;

  constructor(opts: PacerOptions = {}) {
    this.activity = opts.activity ?? requestActivity;
    this.quietMs = opts.quietMs ?? PACE_QUIET_MS;
    this.delayMaxMs = opts.delayMaxMs ?? PACE_DELAY_MAX_MS;
    this.seen = this.activity.calls;
  }

  /** No request arrived since the last tick, which saw none either. */
  get open(): boolean {
    return this.quiet && this.activity.calls === this.seen;
  }

  /** A job queued at `queuedAt` (Date.now()) has waited its longest. */
  overdue(queuedAt: number): boolean {
    return Date.now() - queuedAt >= this.delayMaxMs;
  }

  /** Calls `ready` after the next tick (one pending at a time): the caller re-checks then. */
  watch(ready: () => void): void {
    if (this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.quiet = this.activity.calls === this.seen;
      this.seen = this.activity.calls;
      ready();
    }, this.quietMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}

/** A job the transfer manager queues (its `queuedAt`, Date.now(), bounds a paced one's wait). */
export interface QueuedJob {
  queuedAt: number;
}

/**
 * The paced jobs of the upload lane, oldest first, each under a tag (the block, the payload of a
 * GC, the engine of a reclaim) that a waiter promotes: a COMMIT waiting for one block takes that
 * job out, not the thousands of other files' uploads queued behind a busy client.
 */
export class PacedQueue<J extends QueuedJob> {
  private readonly entries: { job: J; tag: object }[] = [];
  private readonly tags = new Map<object, { job: J; tag: object }>();
  /** Taken out by promote() (dropped lazily as the queue reaches them). */
  private readonly promoted = new Set<J>();
  /** Every job queued now goes as slots free (cleared once none waits). */
  private urged = false;

  constructor(readonly pacer: Pacer) {}

  get length(): number {
    return this.entries.length - this.promoted.size;
  }

  add(job: J, tag: object): void {
    const entry = { job, tag };
    this.entries.push(entry);
    this.tags.set(tag, entry);
  }

  /** The job queued under `tag`, out of this queue (the caller runs it unpaced), or undefined. */
  promote(tag: object): J | undefined {
    const entry = this.tags.get(tag);
    if (entry === undefined) return undefined;
    this.tags.delete(tag);
    this.promoted.add(entry.job);
    return entry.job;
  }

  urge(): void {
    if (this.length > 0) this.urged = true;
  }

  /** The oldest job if it may start now; else undefined, and `ready` runs on the pacer's next tick. */
  next(ready: () => void): J | undefined {
    for (;;) {
      const entry = this.entries[0];
      if (entry === undefined) {
        this.urged = false;
        return undefined;
      }
      if (this.promoted.delete(entry.job)) {
        this.entries.shift();
        continue;
      }
      if (!this.urged && !this.pacer.open && !this.pacer.overdue(entry.job.queuedAt)) {
        this.pacer.watch(ready);
        return undefined;
      }
      this.entries.shift();
      if (this.tags.get(entry.tag) === entry) this.tags.delete(entry.tag);
      return entry.job;
    }
  }

  /** Every job still queued, removed (a close fails them). */
  drain(): J[] {
    const left = this.entries.splice(0).filter((e) => !this.promoted.has(e.job));
    this.tags.clear();
    this.promoted.clear();
    return left.map((e) => e.job);
  }
}

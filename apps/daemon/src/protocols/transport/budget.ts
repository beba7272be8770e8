/**
 * The memory budget connections are admitted against (config `memory.budget`, README). Every NFS
 * and SMB connection reserves a frame's declared length when its header arrives, the READ bytes a
 * request asks for when it starts, and its replies while they wait on the socket. When the budget
 * cannot cover a reservation, the connection stops reading until its reservation would fit (it is
 * woken then, not at every release). A connection that already reserved its frame can always finish it, and an
 * empty budget always grants one frame, so the budget cannot deadlock; a peer that reserves and
 * then stalls is closed by the frame deadline (guard.ts).
 *
 * With a `memory` probe (the daemon's: the process's resident set) the limit is the whole
 * process, not only the bytes counted here: a reservation fits when the resident set, plus what
 * was reserved and has not arrived yet (frame bodies still on the wire, READ bytes not read yet),
 * stays under the limit. So the content cache, the runtime itself and buffers that are released
 * but not yet collected by V8 all leave less room to connections, and the process stays near the
 * figure an admin set. Without a probe (tests, helpers) only the counted bytes are limited.
 */
import { totalmem } from "node:os";

const MIB = 1024 * 1024;
/** Room for connections by default: 1/16 of the machine's memory, between 64 MiB and 1 GiB. */
export function defaultConnectionRoomBytes(memoryBytes = totalmem()): number {
  return Math.min(1024 * MIB, Math.max(64 * MIB, Math.floor(memoryBytes / 16)));
}

/**
 * Room kept back for small frames (handshakes, metadata calls): a reservation above
 * SMALL_FRAME_BYTES must leave it free, so peers holding large frames cannot keep new clients
 * from logging on or mounting until the frame deadline closes them.
 */
const SMALL_FRAME_HEADROOM_BYTES = 8 * 1024 * 1024;
const SMALL_FRAME_BYTES = 64 * 1024;

/**
 * The resident set is sampled again when the last sample is older than this at an admission (a
 * /proc read: near the limit it would otherwise run for every frame). Refusals too go by the
 * sample; waiters left over are checked again this long after a release.
 */
const SAMPLE_MAX_AGE_MS = 10;

interface Waiter {
  wake: () => void;
  /** The reservation it waits to fit. */
  bytes: number;
}

export class ByteBudget {
  private used = 0;
  /** Reserved and not in memory yet (frame bytes still to arrive, READ bytes not read yet). */
  private pending = 0;
  private sampledRss = 0;
  private sampledAt = Number.NEGATIVE_INFINITY;
  /** Reserved bytes that arrived since the last sample (resident now, not in the sample yet). */
  private arrivedSinceSample = 0;
  private waiters: Waiter[] = [];
  private recheck: NodeJS.Timeout | null = null;

  /**
   * `limitBytes`: what the counted bytes may reach, and with `memory` (returns the process's
   * resident bytes) also what the process may hold in all.
   */
  constructor(
    readonly limitBytes: number = defaultConnectionRoomBytes(),
    private readonly memory: (() => number) | null = null,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get usedBytes(): number {
    return this.used;
  }

  /** Reserved bytes not in memory yet. */
  get pendingBytes(): number {
    return this.pending;
  }

  /**
   * Reserves `n` bytes that are not in memory yet (`arrived` reports them as they come) if they
   * fit; an empty budget always grants one reservation, so it never stalls.
   */
  tryReserve(n: number): boolean {
    if (this.used > 0 && !this.fits(n)) return false;
    this.used += n;
    this.pending += n;
    return true;
  }

  /** Whether the process would stay within the limit with `n` more bytes (and `promised` more). */
  private fits(n: number, promised = 0): boolean {
    const limit = n > SMALL_FRAME_BYTES ? this.limitBytes - SMALL_FRAME_HEADROOM_BYTES : this.limitBytes;
    if (this.used + promised + n > limit) return false;
    if (this.memory === null) return true;
    const now = this.now();
    if (now - this.sampledAt >= SAMPLE_MAX_AGE_MS) {
      this.sampledRss = this.memory();
      this.sampledAt = now;
      this.arrivedSinceSample = 0;
    }
    return this.projected() + promised + n <= limit;
  }

  /** The resident set as last sampled, plus what arrived since and what is still to arrive. */
  private projected(): number {
    return this.sampledRss + this.arrivedSinceSample + this.pending;
  }

  /** `n` reserved bytes arrived (a frame's body was read into memory; a READ's data was read). */
  arrived(n: number): void {
    const k = Math.min(n, this.pending);
    this.pending -= k;
    this.arrivedSinceSample += k;
  }

  /** Reserves bytes already in memory, without refusing (computed replies must go out). */
  force(n: number): void {
    this.used += n;
  }

  /** Gives back `n` reserved bytes, `unarrived` of which never came (a connection closed mid-frame). */
  release(n: number, unarrived = 0): void {
    this.used = Math.max(0, this.used - n);
    this.pending = Math.max(0, this.pending - unarrived);
    this.wakeFitting();
  }

  /** Calls `wake` once a reservation of `bytes` fits (the caller retries it then). */
  waitForRoom(wake: () => void, bytes: number): void {
    this.waiters.push({ wake, bytes });
  }

  /**
   * Wakes the waiters whose reservations fit now, in FIFO order, each counted against the next
   * (a large frame that does not fit keeps no small one behind it waiting); an empty budget
   * wakes the first whatever it measures, as tryReserve grants it. Others wait for a later
   * release, or a recheck once the sample may be stale (the process may have shrunk meanwhile).
   */
  private wakeFitting(): void {
    if (this.waiters.length === 0) return;
    let promised = 0;
    const woken: Waiter[] = [];
    const left: Waiter[] = [];
    for (const w of this.waiters) {
      const grant = (this.used === 0 && woken.length === 0) || this.fits(w.bytes, promised);
      if (grant) {
        woken.push(w);
        promised += w.bytes;
      } else left.push(w);
    }
    this.waiters = left;
    // Only the resident set can change without a release.
    if (left.length > 0 && this.memory !== null && this.recheck === null) {
      this.recheck = setTimeout(() => {
        this.recheck = null;
        this.wakeFitting();
      }, SAMPLE_MAX_AGE_MS).unref();
    }
    for (const w of woken) w.wake();
  }

  /** Forgets a waiter whose connection closed. */
  cancelWait(wake: () => void): void {
    const i = this.waiters.findIndex((w) => w.wake === wake);
    if (i >= 0) this.waiters.splice(i, 1);
  }
}

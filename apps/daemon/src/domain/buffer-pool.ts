/**
 * Received frames from a bounded pool of reused memory (docs/payload.md "Receive buffers"). A
 * 1 MiB WRITE frame used to get a fresh ArrayBuffer, which the payload cache then kept as a slice:
 * V8 ran a mark-compact per ~20–27 MiB of new external memory (finding everything alive) and
 * the kernel faulted and zeroed every new page. Reusing the memory of frames the cache has let
 * go allocates nothing in steady state.
 *
 * Recycling memory that anything still reads is silent data corruption, so a taken buffer comes
 * back to the pool only when every holder is known and has let go:
 *
 * - `take` hands the receiver one reference (the frame until its request ends).
 * - `vouch` says that nothing outside counted holders keeps a view of the frame: a protocol does
 *   it for a request whose decoding copies what it keeps (an NFSv3 WRITE, an unchained SMB2
 *   WRITE). A frame never vouched for is never reused: it is left to the garbage collector.
 * - `retain` / `release` count the holders that keep views and know when they drop them (the
 *   payload cache's slices and clean bases, a write-behind stage, a WAL append in flight, an NFSv3
 *   or SMB2 READ reply until its socket write completed).
 * - `escapeBuffer` marks a view handed to a holder that does not count (copy-chunk's or an NFSv4
 *   READ, a block store that keeps what it is given, a named stream's value): the memory is never
 *   reused.
 *
 * The memory returns to the pool when the count drops to zero on a vouched, unescaped buffer.
 * Every function takes any Buffer: one whose memory the pool did not hand out is ignored.
 */

/**
 * Free memory the pool keeps for reuse, at most (the rest is left to the garbage collector); a
 * daemon's pool keeps more while its payload cache has room for it (receivePoolFor).
 */
export const POOL_FREE_BYTES_MAX = 32 * 1024 * 1024;
/** Capacities are a size rounded up to a 16th of its power of two, at least this. */
const CLASS_GRANULE_BYTES_MIN = 4096;

interface Lease {
  readonly pool: BufferPool;
  refs: number;
  vouched: boolean;
  escaped: boolean;
}

/** The lease of each ArrayBuffer a pool handed out (a side table: memory is never tagged). */
const leases = new WeakMap<ArrayBufferLike, Lease>();

/** What a pool did (tests and metrics). */
export interface PoolCounters {
  /** Buffers made because no free one fit. */
  allocated: number;
  /** Buffers handed out again from the free memory. */
  reused: number;
  /** Buffers that came back and were kept for reuse. */
  returned: number;
  /** Buffers that came back while the free memory was full (left to the garbage collector). */
  dropped: number;
  /** Free bytes kept now. */
  freeBytes: number;
  /** Releases beyond a buffer's count (a holder's bug; that buffer is never reused). */
  overReleased: number;
}

/**
 * The one pool of a daemon (every NFS and SMB listener): it keeps as much free memory as the
 * payload cache could still take (`cacheRoomBytes`), at least POOL_FREE_BYTES_MAX, so a file the
 * cache drops (deleted, truncated) hands its frames to the next writes. With 32 MiB at most, a
 * 256 MiB smbclient put after the previous file's delete got 224 MiB of new memory: a V8
 * mark-compact per ~20 MiB and a page fault per page (0.9-1.0 s of server CPU per 256 MiB against
 * 0.43-0.5 s reusing it, GC 230-750 ms against under 25 ms). Memory the pool keeps and memory the
 * cache holds stay within the cache's size together.
 */
export function receivePoolFor(cache: { cacheRoomBytes(): number }): BufferPool {
  return new BufferPool(() => Math.max(POOL_FREE_BYTES_MAX, cache.cacheRoomBytes()));
}

/** The capacity a buffer of `len` bytes gets: within a 16th of it (or 4 KiB), so a frame pins little more. */
export function capacityOf(len: number): number {
  const top = 2 ** Math.floor(Math.log2(Math.max(len, 1)));
  const granule = Math.max(CLASS_GRANULE_BYTES_MIN, top / 16);
  return Math.ceil(len / granule) * granule;
}

export class BufferPool {
  /** Free memory by capacity, least recently returned first. */
  private readonly free = new Map<number, ArrayBuffer[]>();
  private readonly c: PoolCounters = {
    allocated: 0,
    reused: 0,
    returned: 0,
    dropped: 0,
    freeBytes: 0,
    overReleased: 0,
  };

  constructor(
    /** Free bytes kept, at most: a number, or asked each time memory comes back. */
    private readonly freeBytesMax: number | (() => number) = POOL_FREE_BYTES_MAX,
    /** Tests: memory given back is overwritten at once, so a reader it should not have had sees garbage. */
    private readonly poison = false,
  ) {}

  get counters(): Readonly<PoolCounters> {
    return this.c;
  }

  /** A buffer of `len` bytes (contents undefined) holding one reference: the receiver's. */
  take(len: number): Buffer {
    const cap = capacityOf(len);
    let ab = this.free.get(cap)?.pop();
    if (ab !== undefined) {
      this.c.reused++;
      this.c.freeBytes -= cap;
    } else {
      ab = new ArrayBuffer(cap);
      this.c.allocated++;
    }
    leases.set(ab, { pool: this, refs: 1, vouched: false, escaped: false });
    return Buffer.from(ab, 0, len);
  }

  /** Memory whose last holder let go: kept while the free memory has room (other sizes give way). */
  giveBack(ab: ArrayBuffer): void {
    leases.delete(ab);
    if (this.poison) new Uint8Array(ab).fill(0xdb);
    const cap = ab.byteLength;
    const max = typeof this.freeBytesMax === "number" ? this.freeBytesMax : this.freeBytesMax();
    for (const [k, list] of this.free) {
      while (k !== cap && list.length > 0 && this.c.freeBytes + cap > max) {
        list.shift();
        this.c.freeBytes -= k;
        this.c.dropped++;
      }
    }
    if (this.c.freeBytes + cap > max) {
      this.c.dropped++;
      return;
    }
    let list = this.free.get(cap);
    if (list === undefined) {
      list = [];
      this.free.set(cap, list);
    }
    list.push(ab);
    this.c.freeBytes += cap;
    this.c.returned++;
  }

  /** A holder let go more often than it was counted (a bug): the buffer is never reused. */
  overReleased(): void {
    this.c.overReleased++;
  }
}

function leaseOf(buf: Buffer): Lease | undefined {
  return leases.get(buf.buffer);
}

/** Whether `buf` is a view of memory a pool handed out and has not got back. */
export function pooled(buf: Buffer): boolean {
  return leaseOf(buf) !== undefined;
}

/** Nothing but counted holders keeps a view of this frame (see the module comment). */
export function vouch(buf: Buffer): void {
  const l = leaseOf(buf);
  if (l !== undefined && !l.escaped) l.vouched = true;
}

/** One more holder that will `release` it. */
export function retain(buf: Buffer): void {
  const l = leaseOf(buf);
  if (l !== undefined) l.refs++;
}

/** A holder let go; the last one of a vouched, unescaped buffer gives its memory back to its pool. */
export function release(buf: Buffer): void {
  const l = leaseOf(buf);
  if (l === undefined) return;
  l.refs--;
  if (l.refs < 0) {
    l.escaped = true;
    l.pool.overReleased();
    return;
  }
  if (l.refs > 0 || !l.vouched || l.escaped) return;
  l.pool.giveBack(buf.buffer as ArrayBuffer);
}

/** `buf` is held until `settled` settles (a WAL append that writes it out); returns `settled`. */
export function heldUntil<T>(buf: Buffer, settled: Promise<T>): Promise<T> {
  if (leaseOf(buf) === undefined) return settled;
  retain(buf);
  const done = () => release(buf);
  settled.then(done, done);
  return settled;
}

/** A view went where nobody counts it: the memory is never reused. */
export function escapeBuffer(buf: Buffer): void {
  const l = leaseOf(buf);
  if (l === undefined) return;
  l.escaped = true;
  l.vouched = false;
}

/** `retain` of each buffer. */
export function retainAll(bufs: readonly Buffer[]): void {
  for (const b of bufs) retain(b);
}

/** `release` of each buffer. */
export function releaseAll(bufs: readonly Buffer[]): void {
  for (const b of bufs) release(b);
}

/** `escapeBuffer` of each buffer. */
export function escapeAll(bufs: readonly Buffer[]): void {
  for (const b of bufs) escapeBuffer(b);
}

/**
 * Length-prefixed frames read straight into buffers this reader hands out to the socket
 * (`readBuffer` / `filled`, net.Socket `onread` via read-into.ts). Headers and bodies that fit
 * go into one per-connection scratch buffer, and each such body is copied out, since a request
 * outlives the next read. A body too big for the scratch is read into a buffer of its exact size,
 * so a 1 MiB WRITE arrives with no copy, and the payload cache can keep it as it is
 * (docs/payload.md, "WRITE"). With a pool (domain/buffer-pool.ts) that buffer is reused memory
 * the cache gave back, so a steady stream of WRITEs allocates nothing. Node's default instead
 * allocates 64 KiB per read, and the frame is then copied together from those chunks. NFS record marking (RFC 5531 §11) and SMB
 * direct TCP ([MS-SMB2] §2.1) both put a 4-byte header in front of each body; the protocol's
 * subclass parses it, checks it and reserves the bytes (`header`), and turns bodies into
 * requests (`body`). The reader reports a reserved body's bytes as they land in memory
 * (`arrived`, for the memory budget's projection, budget.ts) and, once its connection closed,
 * frees what it holds at once (`dispose`) instead of leaving it to the garbage collector.
 */
import { type BufferPool, pooled, release, vouch } from "../../domain/buffer-pool.ts";

/** Per-connection scratch for socket reads: headers and bodies that fit in it. */
export const READ_SCRATCH_BYTES = 32 * 1024;
/** Compact the scratch when less than this is left behind its unparsed bytes. */
const READ_ROOM_MIN_BYTES = 4 * 1024;

/** A body too big for the scratch, read into a buffer of its own. */
interface BigBody {
  buf: Buffer;
  filled: number;
}

export abstract class FramedReader {
  private scratch: Buffer;
  /** Unparsed bytes are scratch[start, end). */
  private start = 0;
  private end = 0;
  private big: BigBody | null = null;
  /** What the last readBuffer() handed out: the scratch tail or the big body's tail. */
  private handed: "scratch" | "big" | null = null;
  /** Requests completed by the current read. */
  private out: Buffer[] = [];
  /** The body being received: its length once its header was accepted (-1: none), and how much of it `arrived` reported. */
  private bodyLen = -1;
  private bodyArrived = 0;

  constructor(
    private readonly headerBytes: number,
    private readonly scratchBytes = READ_SCRATCH_BYTES,
    /** Where big bodies come from (the receiver's reference is the request's: see body()); none: fresh memory. */
    private readonly pool: BufferPool | null = null,
  ) {
    this.scratch = Buffer.allocUnsafe(scratchBytes);
  }

  /**
   * The header at `buf[at..at+headerBytes)`: the body's length, or null to stop decoding until
   * `resume` (the budget refused it). Throws on a bad header. Called again for the same header
   * while its body is incomplete or after a refusal: reserve only once.
   */
  protected abstract header(buf: Buffer, at: number): number | null;
  /**
   * A whole body, in a buffer the subclass owns: the request it completes, or null. A big body
   * from the pool holds one reference, which whoever runs the request releases when it ends.
   */
  protected abstract body(buf: Buffer): Buffer | null;
  /** `n` bytes of an accepted body are in memory now (the subclass tells the budget). */
  protected arrived(_n: number): void {}

  /** Bytes of the body being received that have not arrived (given back unarrived on close). */
  get unarrivedBytes(): number {
    return this.bodyLen < 0 ? 0 : this.bodyLen - this.bodyArrived;
  }

  /**
   * The connection closed: frees the scratch and a body being received now (only buffers that
   * own their memory; nothing else refers to them). The reader must not be used afterwards.
   */
  dispose(): void {
    freeNow(this.scratch);
    if (this.big !== null) freeNow(this.big.buf);
    this.big = null;
    this.start = this.end = 0;
  }

  /** Bytes received that are not a whole body yet. */
  get pendingBytes(): number {
    return this.end - this.start + (this.big?.filled ?? 0);
  }

  /**
   * Where the next socket read goes (never empty: an empty buffer would read as EOF). It stays
   * valid until `filled` is called for it, whatever happens meanwhile (a wake may start a body).
   */
  readBuffer(): Buffer {
    const big = this.big;
    if (big !== null && this.start === this.end) {
      this.handed = "big";
      return big.buf.subarray(big.filled);
    }
    if (this.start === this.end) {
      this.start = this.end = 0;
      if (this.scratch.length > this.scratchBytes) this.scratch = Buffer.allocUnsafe(this.scratchBytes);
    } else if (this.start > 0 && this.scratch.length - this.end < READ_ROOM_MIN_BYTES) {
      this.scratch.copyWithin(0, this.start, this.end);
      this.end -= this.start;
      this.start = 0;
    }
    if (this.end === this.scratch.length) {
      // Only while a refused body's first bytes fill the scratch: reading is paused then, so
      // this happens at most once per budget wait (push() aside).
      const grown = Buffer.allocUnsafe(this.scratch.length * 2);
      this.scratch.copy(grown, 0, this.start, this.end);
      this.end -= this.start;
      this.start = 0;
      this.scratch = grown;
    }
    this.handed = "scratch";
    return this.scratch.subarray(this.end);
  }

  /** `n` bytes were read into the last readBuffer(); returns the requests they completed. */
  filled(n: number): Buffer[] {
    const handed = this.handed;
    this.handed = null;
    if (handed === "big") {
      this.big!.filled += n;
      this.report(n);
    } else if (handed === "scratch") this.end += n;
    else if (n > 0) throw new Error("filled() without readBuffer()");
    return this.decode();
  }

  /** Feeds bytes received elsewhere (tests; not mixed with socket reads); returns the requests. */
  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let off = 0;
    do {
      const target = this.readBuffer();
      const k = Math.min(target.length, chunk.length - off);
      chunk.copy(target, 0, off, off + k);
      off += k;
      for (const r of this.filled(k)) out.push(r);
    } while (off < chunk.length);
    return out;
  }

  /** Decodes again what is already buffered (the budget has room after a refusal). */
  resume(): Buffer[] {
    return this.decode();
  }

  private decode(): Buffer[] {
    this.out = [];
    try {
      this.decodeInto();
      return this.out;
    } finally {
      this.out = [];
    }
  }

  private report(n: number): void {
    this.bodyArrived += n;
    this.arrived(n);
  }

  private emit(body: Buffer): void {
    if (this.bodyLen > this.bodyArrived) this.arrived(this.bodyLen - this.bodyArrived);
    this.bodyLen = -1;
    this.bodyArrived = 0;
    const r = this.body(body);
    if (r !== null) this.out.push(r);
  }

  private decodeInto(): void {
    for (;;) {
      const big = this.big;
      if (big !== null) {
        const k = Math.min(this.end - this.start, big.buf.length - big.filled);
        if (k > 0) {
          this.scratch.copy(big.buf, big.filled, this.start, this.start + k);
          big.filled += k;
          this.start += k;
          this.report(k);
        }
        if (big.filled < big.buf.length) return;
        this.big = null;
        this.emit(big.buf);
        continue;
      }
      if (this.end - this.start < this.headerBytes) return;
      const len = this.header(this.scratch, this.start);
      if (len === null) return;
      this.bodyLen = len;
      if (this.headerBytes + len > this.scratchBytes) {
        this.start += this.headerBytes;
        this.big = { buf: this.pool?.take(len) ?? Buffer.allocUnsafe(len), filled: 0 };
        continue;
      }
      if (this.end - this.start < this.headerBytes + len) return;
      const at = this.start + this.headerBytes;
      this.start = at + len;
      // Copied out: the scratch is overwritten by the next read while the request still runs.
      const body = Buffer.allocUnsafe(len);
      this.scratch.copy(body, 0, at, at + len);
      this.emit(body);
    }
  }
}

/**
 * Frees a buffer nothing else refers to now: pooled memory goes back to its pool; a buffer that
 * owns all of its memory (not a slice of Node's pool or of a bigger buffer) is detached, which
 * drops V8's only reference to the backing store.
 */
export function freeNow(buf: Buffer): void {
  if (pooled(buf)) {
    vouch(buf); // the caller's reference is the only one: nothing else saw it
    release(buf);
    return;
  }
  const ab = buf.buffer;
  if (buf.byteOffset !== 0 || ab.byteLength !== buf.length || ab.byteLength === 0) return;
  // ES2024 ArrayBuffer members (Node 24 has them; the project's TypeScript lib predates them).
  const owned = ab as ArrayBuffer & { detached: boolean; transfer(length: number): ArrayBuffer };
  if (ab instanceof ArrayBuffer && !owned.detached) owned.transfer(0);
}

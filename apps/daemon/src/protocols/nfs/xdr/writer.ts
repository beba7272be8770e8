/**
 * XDR (RFC 4506) writer producing a list of buffers. Small items go into a growing scratch
 * buffer; large opaque payloads (READ data) are appended by reference with `opaqueRef`, so a
 * reply is sent with writev and the payload is never copied.
 */
import assert from "node:assert";

const INITIAL_BYTES = 256;
const ZERO_PAD = Buffer.alloc(4);
const MAX_SAFE_BIG = BigInt(Number.MAX_SAFE_INTEGER);
/** The last uint64 encoded through the BigInt path, split into its two words. */
const bigCache = { value: -1n, hi: 0xffff_ffff, lo: 0xffff_ffff };

export class XdrWriter {
  private chunks: Buffer[] = [];
  private chunksBytes = 0;
  private buf: Buffer;
  private pos = 0;
  /** Where the current scratch segment started (bytes before it are already in `chunks`). */
  private segStart = 0;

  constructor(initialBytes = INITIAL_BYTES) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  /** Total encoded length so far. */
  get length(): number {
    return this.chunksBytes + this.pos - this.segStart;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const live = this.pos - this.segStart;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, live + n + INITIAL_BYTES));
    this.buf.copy(next, 0, this.segStart, this.pos);
    this.buf = next;
    this.segStart = 0;
    this.pos = live;
  }

  uint32(v: number): this {
    this.ensure(4);
    this.put32(v >>> 0, this.pos);
    this.pos += 4;
    return this;
  }

  /**
   * Stores a 32-bit word big-endian with plain byte stores: Buffer#writeUInt32BE's range checks
   * showed up in READDIRPLUS profiles (tens of words per entry). `v` is already a uint32.
   */
  private put32(v: number, at: number): void {
    const b = this.buf;
    b[at] = v >>> 24;
    b[at + 1] = (v >>> 16) & 0xff;
    b[at + 2] = (v >>> 8) & 0xff;
    b[at + 3] = v & 0xff;
  }

  int32(v: number): this {
    this.ensure(4);
    this.buf.writeInt32BE(v | 0, this.pos);
    this.pos += 4;
    return this;
  }

  uint64(v: bigint | number): this {
    this.ensure(8);
    if (typeof v === "number") {
      // Checked before the message is built: a template literal argument would make a string per call.
      if (!(Number.isSafeInteger(v) && v >= 0)) assert.fail(`uint64 out of range: ${v}`);
      this.put32(Math.floor(v / 0x1_0000_0000), this.pos);
      this.put32(v >>> 0, this.pos + 4);
    } else if (v >= 0n && v <= MAX_SAFE_BIG) {
      // fileids, sizes, cookies and times are small: two word stores instead of the BigInt
      // arithmetic of writeBigUInt64BE (six of these per READDIRPLUS entry).
      const n = Number(v);
      this.put32(Math.floor(n / 0x1_0000_0000), this.pos);
      this.put32(n >>> 0, this.pos + 4);
    } else {
      // Large values are mostly the same few (a share's fsid in every fattr3): remember the last.
      if (v !== bigCache.value) {
        const u = BigInt.asUintN(64, v);
        bigCache.value = v;
        bigCache.hi = Number(u >> 32n);
        bigCache.lo = Number(u & 0xffff_ffffn);
      }
      this.put32(bigCache.hi, this.pos);
      this.put32(bigCache.lo, this.pos + 4);
    }
    this.pos += 8;
    return this;
  }

  int64(v: bigint): this {
    this.ensure(8);
    this.buf.writeBigInt64BE(BigInt.asIntN(64, v), this.pos);
    this.pos += 8;
    return this;
  }

  bool(v: boolean): this {
    return this.uint32(v ? 1 : 0);
  }

  /** Fixed-length opaque, copied into the scratch buffer (for small items: handles, verifiers). */
  fixedOpaque(data: Buffer): this {
    const pad = (4 - (data.length & 3)) & 3;
    this.ensure(data.length + pad);
    data.copy(this.buf, this.pos);
    this.pos += data.length;
    if (pad > 0) {
      this.buf.fill(0, this.pos, this.pos + pad);
      this.pos += pad;
    }
    return this;
  }

  opaque(data: Buffer): this {
    this.uint32(data.length);
    return this.fixedOpaque(data);
  }

  /** A string as UTF-8 opaque, encoded straight into the scratch buffer (names in READDIR, LOOKUP). */
  string(s: string): this {
    const len = Buffer.byteLength(s, "utf8");
    const pad = (4 - (len & 3)) & 3;
    this.ensure(4 + len + pad);
    this.put32(len, this.pos);
    this.pos += 4;
    this.pos += this.buf.write(s, this.pos, len, "utf8");
    if (pad > 0) {
      this.buf.fill(0, this.pos, this.pos + pad);
      this.pos += pad;
    }
    return this;
  }

  /** Variable-length opaque whose bytes are sent by reference (no copy). */
  opaqueRef(data: Buffer): this {
    return this.opaqueRefs([data], data.length);
  }

  /** Variable-length opaque of `length` bytes given as parts, each sent by reference (READ data). */
  opaqueRefs(parts: readonly Buffer[], length: number): this {
    this.uint32(length);
    if (length === 0) return this;
    this.cut();
    for (const b of parts) this.chunks.push(b);
    this.chunksBytes += length;
    const pad = (4 - (length & 3)) & 3;
    if (pad > 0) {
      this.chunks.push(ZERO_PAD.subarray(0, pad));
      this.chunksBytes += pad;
    }
    return this;
  }

  /**
   * Buffers the message holds (buffer-pool.ts): READ data whose memory returns to the receive pool
   * only when the reply's socket write completed (rpc/connection.ts), or at once if it is dropped.
   */
  held: readonly Buffer[] | undefined = undefined;

  /** The message holds `bufs` (a held READ's parts): whoever sends or drops it lets them go. */
  hold(bufs: readonly Buffer[] | undefined): this {
    if (bufs !== undefined && bufs.length > 0) this.held = this.held ? [...this.held, ...bufs] : bufs;
    return this;
  }

  /** Appends another writer's encoded buffers by reference (an NFSv4 COMPOUND body). */
  appendBuffers(bufs: readonly Buffer[]): this {
    this.cut();
    for (const b of bufs) {
      this.chunks.push(b);
      this.chunksBytes += b.length;
    }
    return this;
  }

  /**
   * Drops everything encoded after the first `length` bytes (a result that turned out too big
   * for the reply, NFSv4.1 COMPOUND): later writes continue from there.
   */
  truncate(length: number): this {
    if (!(length >= 0 && length <= this.length)) assert.fail(`truncate to ${length} of ${this.length}`);
    if (length >= this.chunksBytes) {
      this.pos = this.segStart + (length - this.chunksBytes);
      return this;
    }
    while (this.chunksBytes > length) {
      const last = this.chunks.pop()!;
      this.chunksBytes -= last.length;
      if (this.chunksBytes < length) {
        this.chunks.push(last.subarray(0, length - this.chunksBytes));
        this.chunksBytes = length;
      }
    }
    // The scratch segment lies after the dropped chunks: start it empty, past what they reference.
    this.segStart = this.pos;
    return this;
  }

  /** Moves the scratch segment written so far into the chunk list. */
  private cut(): void {
    if (this.pos > this.segStart) {
      this.chunks.push(this.buf.subarray(this.segStart, this.pos));
      this.chunksBytes += this.pos - this.segStart;
      this.segStart = this.pos;
    }
  }

  /** The encoded message as buffers, ready for writev. The writer must not be used afterwards. */
  buffers(): Buffer[] {
    this.cut();
    return this.chunks;
  }

  /** The encoded message as one buffer (tests, small messages). */
  toBuffer(): Buffer {
    const bufs = this.buffers();
    return bufs.length === 1 ? bufs[0]! : Buffer.concat(bufs);
  }
}

/**
 * RFC 5531 §11 record marking over TCP. Each fragment starts with a 4-byte header: the top bit
 * marks the last fragment of a record, the low 31 bits give the fragment length. A record is the
 * concatenation of its fragments. Protocol errors (the connection is closed): a record above
 * `maxRecordBytes`, more than `maxFragments` fragments in one record, and a zero-length fragment
 * that is not the last one (it carries nothing, so a peer could send them forever while each cost
 * us a list entry). An optional `reserve` callback is asked for every fragment's bytes as soon as
 * its header arrives, before they are buffered; when it refuses, decoding stops until `push` or
 * `filled` is called again (the connection's global-budget wait).
 *
 * The socket reads straight into buffers the decoder hands out (`readBuffer` / `filled`, the
 * `onread` of net.Socket): headers and small fragments into one per-connection scratch buffer
 * (each small record is then copied out, since calls outlive the next read), a fragment too big
 * for it into a buffer of its exact size. A 1 MiB WRITE thus arrives in its own buffer with no
 * copy and no per-read allocation, and the payload cache can keep it as it is
 * (docs/payload.md, "WRITE"). `push` feeds bytes that arrived elsewhere (tests, a budget wake).
 */

const LAST_FRAGMENT = 0x8000_0000;
const LENGTH_MASK = 0x7fff_ffff;
const HEADER_BYTES = 4;

/** Most fragments in one record: clients send one; a few are legal, thousands are an attack. */
export const MAX_FRAGMENTS_PER_RECORD = 256;
/**
 * Per-connection scratch for socket reads: record marks and fragments that fit in it. Metadata
 * calls are a few hundred bytes, a 4 KiB WRITE about 4.2 KiB; bigger fragments get their own buffer.
 */
export const READ_SCRATCH_BYTES = 32 * 1024;
/** Compact the scratch when less than this is left behind its unparsed bytes. */
const READ_ROOM_MIN_BYTES = 4 * 1024;

/** A record-marking violation; `reason` is a fixed label (metrics). */
export class RecordError extends Error {
  override readonly name: string = "RecordError";
  constructor(
    readonly reason: "record-too-large" | "too-many-fragments" | "zero-length-fragment",
    message: string,
  ) {
    super(message);
  }
}

export class RecordTooLargeError extends RecordError {
  override readonly name = "RecordTooLargeError";
  constructor(message: string) {
    super("record-too-large", message);
  }
}

export interface RecordDecoderOptions {
  maxFragments?: number;
  /** Asked for each fragment's length before its bytes are buffered; false: stop decoding for now. */
  reserve?: (bytes: number) => boolean;
  /** Scratch size (tests use small ones to exercise compaction). */
  scratchBytes?: number;
}

/** A fragment too big for the scratch, read into a buffer of its own. */
interface BigFragment {
  buf: Buffer;
  filled: number;
  last: boolean;
}

export class RecordDecoder {
  private readonly scratchBytes: number;
  private scratch: Buffer;
  /** Unparsed bytes are scratch[start, end). */
  private start = 0;
  private end = 0;
  private big: BigFragment | null = null;
  /** What the last readBuffer() handed out: the scratch tail or the big fragment's tail. */
  private handed: "scratch" | "big" | null = null;
  /** Fragments of the record being assembled. */
  private fragments: Buffer[] = [];
  private recordBytes = 0;
  /** Bytes `reserve` granted for the current fragment (-1: not asked yet). */
  private reservedFragment = -1;
  private readonly maxFragments: number;
  private readonly reserve: ((bytes: number) => boolean) | undefined;
  /** Decoding stopped because `reserve` refused the next fragment. */
  blocked = false;

  constructor(
    readonly maxRecordBytes: number,
    opts: RecordDecoderOptions = {},
  ) {
    this.maxFragments = opts.maxFragments ?? MAX_FRAGMENTS_PER_RECORD;
    this.reserve = opts.reserve;
    this.scratchBytes = opts.scratchBytes ?? READ_SCRATCH_BYTES;
    this.scratch = Buffer.allocUnsafe(this.scratchBytes);
  }

  /**
   * Where the next socket read goes (never empty). The buffer stays valid until `filled` is
   * called for it, whatever happens meanwhile (a budget wake may start a big fragment).
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
      // Only while blocked: the refused fragment's first bytes fill the scratch. Reading is
      // paused then, so this happens at most once per wait (push() from tests aside).
      const grown = Buffer.allocUnsafe(this.scratch.length * 2);
      this.scratch.copy(grown, 0, this.start, this.end);
      this.end -= this.start;
      this.start = 0;
      this.scratch = grown;
    }
    this.handed = "scratch";
    return this.scratch.subarray(this.end);
  }

  /** `n` bytes were read into the last readBuffer(); returns the records they completed. */
  filled(n: number): Buffer[] {
    const handed = this.handed;
    this.handed = null;
    if (handed === "big") this.big!.filled += n;
    else if (handed === "scratch") this.end += n;
    else if (n > 0) throw new Error("filled() without readBuffer()");
    return this.decode();
  }

  /** Feeds bytes received elsewhere; returns the records they completed (possibly none). */
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

  /** Decodes again what is already buffered (after `reserve` refused and room came back). */
  resume(): Buffer[] {
    return this.decode();
  }

  private decode(): Buffer[] {
    const out: Buffer[] = [];
    for (;;) {
      const big = this.big;
      if (big !== null) {
        const k = Math.min(this.end - this.start, big.buf.length - big.filled);
        if (k > 0) {
          this.scratch.copy(big.buf, big.filled, this.start, this.start + k);
          big.filled += k;
          this.start += k;
        }
        if (big.filled < big.buf.length) return out;
        this.big = null;
        this.fragmentDone(big.buf, big.last, out);
        continue;
      }
      if (this.end - this.start < HEADER_BYTES) return out;
      const header = this.scratch.readUInt32BE(this.start);
      const len = header & LENGTH_MASK;
      const last = (header & LAST_FRAGMENT) !== 0;
      this.check(len, last);
      if (this.reservedFragment < 0) {
        this.blocked = this.reserve !== undefined && !this.reserve(len);
        if (this.blocked) return out;
        this.reservedFragment = len;
      }
      if (HEADER_BYTES + len > this.scratchBytes) {
        this.start += HEADER_BYTES;
        this.big = { buf: Buffer.allocUnsafe(len), filled: 0, last };
        continue;
      }
      if (this.end - this.start < HEADER_BYTES + len) return out;
      const at = this.start + HEADER_BYTES;
      this.start = at + len;
      // Copied out: the scratch is overwritten by the next read while the call still runs.
      this.fragmentDone(Buffer.from(this.scratch.subarray(at, at + len)), last, out);
    }
  }

  private fragmentDone(frag: Buffer, last: boolean, out: Buffer[]): void {
    this.fragments.push(frag);
    this.recordBytes += frag.length;
    this.reservedFragment = -1;
    if (!last) return;
    out.push(this.fragments.length === 1 ? this.fragments[0]! : Buffer.concat(this.fragments));
    this.fragments = [];
    this.recordBytes = 0;
  }

  private check(len: number, last: boolean): void {
    if (len === 0 && !last) throw new RecordError("zero-length-fragment", "zero-length fragment not last");
    if (this.recordBytes + len > this.maxRecordBytes) {
      throw new RecordTooLargeError(`record of ${this.recordBytes + len} bytes > ${this.maxRecordBytes}`);
    }
    if (this.fragments.length + 1 > this.maxFragments) {
      throw new RecordError("too-many-fragments", `more than ${this.maxFragments} fragments in a record`);
    }
  }

  /** Bytes held that do not form a complete record yet. */
  get pendingBytes(): number {
    return this.end - this.start + (this.big?.filled ?? 0) + this.recordBytes;
  }

  /** Bytes granted by `reserve` for the record being assembled (given back by the owner on close). */
  get reservedBytes(): number {
    return this.recordBytes + Math.max(0, this.reservedFragment);
  }
}

/** The 4-byte record mark for a single-fragment record of `length` bytes. */
export function recordMark(length: number): Buffer {
  const b = Buffer.allocUnsafe(HEADER_BYTES);
  b.writeUInt32BE((LAST_FRAGMENT | length) >>> 0, 0);
  return b;
}

/** Encodes `record` as fragments of at most `fragmentBytes` (tests and clients). */
export function encodeRecord(record: Buffer, fragmentBytes = LENGTH_MASK): Buffer {
  const parts: Buffer[] = [];
  let off = 0;
  do {
    const len = Math.min(fragmentBytes, record.length - off);
    const last = off + len >= record.length;
    const h = Buffer.allocUnsafe(HEADER_BYTES);
    h.writeUInt32BE(((last ? LAST_FRAGMENT : 0) | len) >>> 0, 0);
    parts.push(h, record.subarray(off, off + len));
    off += len;
  } while (off < record.length);
  return Buffer.concat(parts);
}

/**
 * RFC 5531 §11 record marking over TCP. Each fragment starts with a 4-byte header: the top bit
 * marks the last fragment of a record, the low 31 bits give the fragment length. A record is the
 * concatenation of its fragments. The decoder is fed arbitrary socket chunks and yields whole
 * records. Protocol errors (the connection is closed): a record above `maxRecordBytes`, more than
 * `maxFragments` fragments in one record, and a zero-length fragment that is not the last one
 * (it carries nothing, so a peer could send them forever while each cost us a list entry).
 * An optional `reserve` callback is asked for every fragment's bytes as soon as its header
 * arrives, before they are buffered; when it refuses, decoding stops until `push` is called again
 * (the connection's global-budget wait).
 */

const LAST_FRAGMENT = 0x8000_0000;
const LENGTH_MASK = 0x7fff_ffff;
const HEADER_BYTES = 4;

/** Most fragments in one record: clients send one; a few are legal, thousands are an attack. */
export const MAX_FRAGMENTS_PER_RECORD = 256;

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
}

export class RecordDecoder {
  /** Socket chunks not consumed yet; `headOffset` bytes of the first are already consumed. */
  private chunks: Buffer[] = [];
  private headOffset = 0;
  private buffered = 0;
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
  }

  /** Feeds one socket chunk; returns the records it completed (possibly none). */
  push(chunk: Buffer): Buffer[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const out: Buffer[] = [];
    for (;;) {
      if (this.buffered < HEADER_BYTES) return out;
      const header = this.peekUInt32();
      const len = header & LENGTH_MASK;
      const last = (header & LAST_FRAGMENT) !== 0;
      this.check(len, last);
      if (this.reservedFragment < 0) {
        this.blocked = this.reserve !== undefined && !this.reserve(len);
        if (this.blocked) return out;
        this.reservedFragment = len;
      }
      if (this.buffered < HEADER_BYTES + len) return out;
      this.take(HEADER_BYTES);
      this.fragments.push(this.take(len));
      this.recordBytes += len;
      this.reservedFragment = -1;
      if (last) {
        out.push(this.fragments.length === 1 ? this.fragments[0]! : Buffer.concat(this.fragments));
        this.fragments = [];
        this.recordBytes = 0;
      }
    }
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
    return this.buffered + this.recordBytes;
  }

  /** Bytes granted by `reserve` for the record being assembled (given back by the owner on close). */
  get reservedBytes(): number {
    return this.recordBytes + Math.max(0, this.reservedFragment);
  }

  private peekUInt32(): number {
    const head = this.chunks[0]!;
    if (head.length - this.headOffset >= 4) return head.readUInt32BE(this.headOffset);
    let v = 0;
    let got = 0;
    for (let i = 0, off = this.headOffset; got < 4; i++, off = 0) {
      const c = this.chunks[i]!;
      for (let j = off; j < c.length && got < 4; j++, got++) v = v * 256 + c[j]!;
    }
    return v;
  }

  /** Removes `n` buffered bytes; a view when they lie in one chunk, else one copy. */
  private take(n: number): Buffer {
    this.buffered -= n;
    const head = this.chunks[0];
    if (n === 0 || head === undefined) return Buffer.alloc(0);
    if (head.length - this.headOffset >= n) {
      const out = head.subarray(this.headOffset, this.headOffset + n);
      this.advance(n);
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let got = 0;
    while (got < n) {
      const c = this.chunks[0]!;
      const k = Math.min(n - got, c.length - this.headOffset);
      c.copy(out, got, this.headOffset, this.headOffset + k);
      got += k;
      this.advance(k);
    }
    return out;
  }

  private advance(n: number): void {
    this.headOffset += n;
    if (this.headOffset === this.chunks[0]!.length) {
      this.chunks.shift();
      this.headOffset = 0;
    }
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

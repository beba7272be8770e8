/**
 * RFC 5531 §11 record marking over TCP. Each fragment starts with a 4-byte header: the top bit
 * marks the last fragment of a record, the low 31 bits give the fragment length. A record is the
 * concatenation of its fragments. The decoder is fed arbitrary socket chunks and yields whole
 * records; a record above `maxRecordBytes` is a protocol error (the connection is closed).
 */

const LAST_FRAGMENT = 0x8000_0000;
const LENGTH_MASK = 0x7fff_ffff;
const HEADER_BYTES = 4;

export class RecordTooLargeError extends Error {
  override readonly name = "RecordTooLargeError";
}

export class RecordDecoder {
  /** Socket chunks not consumed yet; `headOffset` bytes of the first are already consumed. */
  private chunks: Buffer[] = [];
  private headOffset = 0;
  private buffered = 0;
  /** Fragments of the record being assembled. */
  private fragments: Buffer[] = [];
  private recordBytes = 0;

  constructor(readonly maxRecordBytes: number) {}

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
      if (this.recordBytes + len > this.maxRecordBytes) {
        throw new RecordTooLargeError(`record of ${this.recordBytes + len} bytes > ${this.maxRecordBytes}`);
      }
      if (this.buffered < HEADER_BYTES + len) return out;
      this.take(HEADER_BYTES);
      this.fragments.push(this.take(len));
      this.recordBytes += len;
      if ((header & LAST_FRAGMENT) !== 0) {
        out.push(this.fragments.length === 1 ? this.fragments[0]! : Buffer.concat(this.fragments));
        this.fragments = [];
        this.recordBytes = 0;
      }
    }
  }

  /** Bytes held that do not form a complete record yet. */
  get pendingBytes(): number {
    return this.buffered + this.recordBytes;
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

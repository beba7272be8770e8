/**
 * XDR (RFC 4506) cursor reader. Every variable-length item is checked against a caller-given
 * maximum *before* anything is allocated, so a hostile length field cannot make us allocate.
 * Opaque data is returned as a view into the record (no copy).
 */

/** Thrown on truncated or malformed input; the RPC layer turns it into GARBAGE_ARGS. */
export class XdrError extends Error {
  override readonly name = "XdrError";
}

const TWO_32 = 0x1_0000_0000;

export class XdrReader {
  private pos: number;

  constructor(
    readonly buf: Buffer,
    offset = 0,
  ) {
    this.pos = offset;
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number): number {
    const at = this.pos;
    if (n > this.buf.length - at) throw new XdrError(`truncated: need ${n} bytes at ${at}`);
    this.pos = at + n;
    return at;
  }

  uint32(): number {
    return this.buf.readUInt32BE(this.need(4));
  }

  int32(): number {
    return this.buf.readInt32BE(this.need(4));
  }

  uint64(): bigint {
    return this.buf.readBigUInt64BE(this.need(8));
  }

  int64(): bigint {
    return this.buf.readBigInt64BE(this.need(8));
  }

  /** A uint64 that callers use as a byte offset/size: exact up to 2^53, else rejected. */
  uint64Number(): number {
    const at = this.need(8);
    const hi = this.buf.readUInt32BE(at);
    const lo = this.buf.readUInt32BE(at + 4);
    if (hi > 0x1f_ffff) throw new XdrError("uint64 offset beyond 2^53");
    return hi * TWO_32 + lo;
  }

  /** RFC 4506 §4.4: a boolean is an enum whose only legal values are 0 and 1. */
  bool(): boolean {
    const v = this.uint32();
    if (v > 1) throw new XdrError(`bad boolean ${v}`);
    return v === 1;
  }

  /** Fixed-length opaque (RFC 4506 §4.9), padded to 4 bytes; a view, not a copy. */
  fixedOpaque(len: number): Buffer {
    const at = this.need(len);
    this.need((4 - (len & 3)) & 3);
    return this.buf.subarray(at, at + len);
  }

  /** Variable-length opaque (RFC 4506 §4.10) of at most `max` bytes; a view, not a copy. */
  opaque(max: number): Buffer {
    const len = this.uint32();
    if (len > max) throw new XdrError(`opaque length ${len} > ${max}`);
    return this.fixedOpaque(len);
  }

  /** Variable-length opaque of at most `max` bytes, stepped over: its length (no view made). */
  skipOpaque(max: number): number {
    const len = this.uint32();
    if (len > max) throw new XdrError(`opaque length ${len} > ${max}`);
    this.need(len + ((4 - (len & 3)) & 3));
    return len;
  }

  /** String (RFC 4506 §4.11) of at most `max` bytes, decoded as UTF-8. */
  string(max: number): string {
    return this.opaque(max).toString("utf8");
  }

  /** Optional-data (RFC 4506 §4.19): a bool followed by the item when true. */
  optional<T>(item: (r: XdrReader) => T): T | null {
    return this.bool() ? item(this) : null;
  }

  /** Variable-length array (RFC 4506 §4.13) of at most `max` items. */
  array<T>(max: number, item: (r: XdrReader) => T): T[] {
    const n = this.uint32();
    if (n > max) throw new XdrError(`array length ${n} > ${max}`);
    // Each element takes at least 4 bytes: reject impossible counts before looping.
    if (n * 4 > this.remaining) throw new XdrError("array longer than the record");
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(item(this));
    return out;
  }
}

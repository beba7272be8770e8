/**
 * RFC 5531 §11 record marking over TCP. Each fragment starts with a 4-byte header: the top bit
 * marks the last fragment of a record, the low 31 bits give the fragment length. A record is the
 * concatenation of its fragments. Protocol errors (the connection is closed): a record above
 * `maxRecordBytes`, more than `maxFragments` fragments in one record, and a zero-length fragment
 * that is not the last one (it carries nothing, so a peer could send them forever while each cost
 * us a list entry). An optional `reserve` callback is asked for every fragment's bytes as soon as
 * its header arrives, before they are buffered; when it refuses, decoding stops until `resume`
 * (the connection's global-budget wait). The socket reads into the decoder's buffers
 * (`readBuffer` / `filled`, transport/framed-reader.ts): a big WRITE's fragment arrives in a
 * buffer of its own, with no copy.
 */
import type { BufferPool } from "../../../domain/buffer-pool.ts";
import { FramedReader, freeNow } from "../../transport/framed-reader.ts";

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
  /** Told as a reserved fragment's bytes land in memory (the budget's projection, budget.ts). */
  arrived?: (bytes: number) => void;
  /** Scratch size (tests use small ones to exercise compaction). */
  scratchBytes?: number;
  /** Where big fragments are received (transport/framed-reader.ts). */
  pool?: BufferPool;
}

export class RecordDecoder extends FramedReader {
  /** Fragments of the record being assembled. */
  private fragments: Buffer[] = [];
  private recordBytes = 0;
  /** Bytes `reserve` granted for the current fragment (-1: not asked yet). */
  private reservedFragment = -1;
  /** The current fragment's header had the last-fragment bit. */
  private lastFragment = false;
  private readonly maxFragments: number;
  private readonly reserve: ((bytes: number) => boolean) | undefined;
  private readonly onArrived: ((bytes: number) => void) | undefined;
  /** Decoding stopped because `reserve` refused the next fragment. */
  blocked = false;
  /** The length of the fragment `reserve` refused (what the connection waits to fit). */
  wantedBytes = 0;

  constructor(
    readonly maxRecordBytes: number,
    opts: RecordDecoderOptions = {},
  ) {
    super(HEADER_BYTES, opts.scratchBytes, opts.pool);
    this.maxFragments = opts.maxFragments ?? MAX_FRAGMENTS_PER_RECORD;
    this.reserve = opts.reserve;
    this.onArrived = opts.arrived;
  }

  protected override arrived(n: number): void {
    this.onArrived?.(n);
  }

  /** Also frees the fragments of an incomplete record. */
  override dispose(): void {
    super.dispose();
    for (const f of this.fragments) freeNow(f);
    this.fragments = [];
  }

  protected header(buf: Buffer, at: number): number | null {
    const header = buf.readUInt32BE(at);
    const len = header & LENGTH_MASK;
    this.lastFragment = (header & LAST_FRAGMENT) !== 0;
    this.check(len, this.lastFragment);
    if (this.reservedFragment < 0) {
      this.blocked = this.reserve !== undefined && !this.reserve(len);
      this.wantedBytes = len;
      if (this.blocked) return null;
      this.reservedFragment = len;
    }
    return len;
  }

  protected body(frag: Buffer): Buffer | null {
    this.fragments.push(frag);
    this.recordBytes += frag.length;
    this.reservedFragment = -1;
    if (!this.lastFragment) return null;
    const frags = this.fragments;
    const record = frags.length === 1 ? frags[0]! : Buffer.concat(frags);
    // Copied together: the fragments themselves are referred to by nothing else.
    if (frags.length > 1) for (const f of frags) freeNow(f);
    this.fragments = [];
    this.recordBytes = 0;
    return record;
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
  override get pendingBytes(): number {
    return super.pendingBytes + this.recordBytes;
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

/**
 * Direct-TCP transport framing ([MS-SMB2] §2.1): every SMB2 message (or compound chain) is
 * preceded by a 4-byte big-endian header whose first byte is 0 and whose low 24 bits are the
 * length. Frames above `maxFrameBytes` are a protocol violation and close the connection (the
 * connection lowers the bound before authentication). An optional `reserve` callback is asked for
 * each frame's length when its header arrives, before the bytes are buffered; when it refuses,
 * decoding stops until `push` is called again (the global-budget wait).
 */
export const TRANSPORT_HEADER_BYTES = 4;
/** 8 MiB of payload plus headers: the largest READ/WRITE we advertise fits. */
export const MAX_FRAME_BYTES = 8 * 1024 * 1024 + 64 * 1024;

export class FrameTooLargeError extends Error {
  constructor(
    message: string,
    /** Fixed label for metrics. */
    readonly reason: "frame-too-large" | "bad-transport-header" = "frame-too-large",
  ) {
    super(message);
  }
}

/** Accumulates socket chunks and yields whole frames (without their 4-byte header). */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Bytes `reserve` granted for the frame being received (-1: not asked yet). */
  private reservedFrame = -1;
  /** Decoding stopped because `reserve` refused the next frame. */
  blocked = false;

  constructor(
    public maxFrameBytes = MAX_FRAME_BYTES,
    private readonly reserve?: (bytes: number) => boolean,
  ) {}

  /** Bytes received that do not form a complete frame yet. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /** Bytes granted by `reserve` for the frame being received (given back by the owner on close). */
  get reservedBytes(): number {
    return Math.max(0, this.reservedFrame);
  }

  /** Feeds bytes; returns the frames completed by them, in order. Throws on an oversized frame. */
  push(chunk: Buffer): Buffer[] {
    if (chunk.length > 0) this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Buffer[] = [];
    for (;;) {
      if (this.buffered < TRANSPORT_HEADER_BYTES) break;
      const head = this.peek(TRANSPORT_HEADER_BYTES);
      if (head[0] !== 0) {
        throw new FrameTooLargeError(`bad transport header byte ${head[0]}`, "bad-transport-header");
      }
      const length = head.readUInt32BE(0) & 0xffffff;
      if (length > this.maxFrameBytes) throw new FrameTooLargeError(`frame of ${length} bytes`);
      if (this.reservedFrame < 0) {
        this.blocked = this.reserve !== undefined && !this.reserve(length);
        if (this.blocked) break;
        this.reservedFrame = length;
      }
      if (this.buffered < TRANSPORT_HEADER_BYTES + length) break;
      this.take(TRANSPORT_HEADER_BYTES);
      frames.push(this.take(length));
      this.reservedFrame = -1;
    }
    return frames;
  }

  private peek(n: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length >= n) return first.subarray(0, n);
    const all = Buffer.concat(this.chunks);
    this.chunks = [all];
    return all.subarray(0, n);
  }

  private take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    const first = this.chunks[0]!;
    if (first.length === n) {
      this.chunks.shift();
    } else if (first.length > n) {
      this.chunks[0] = first.subarray(n);
      this.buffered -= n;
      return first.subarray(0, n);
    } else {
      const all = Buffer.concat(this.chunks);
      this.chunks = all.length > n ? [all.subarray(n)] : [];
      this.buffered -= n;
      return all.subarray(0, n);
    }
    this.buffered -= n;
    return first;
  }
}

/** The 4-byte transport header for a frame of `length` bytes. */
export function transportHeader(length: number): Buffer {
  const b = Buffer.alloc(TRANSPORT_HEADER_BYTES);
  b.writeUInt32BE(length & 0xffffff, 0);
  return b;
}

/**
 * Direct-TCP transport framing ([MS-SMB2] §2.1): every SMB2 message (or compound chain) is
 * preceded by a 4-byte big-endian header whose first byte is 0 and whose low 24 bits are the
 * length. Frames above `maxFrameBytes` are a protocol violation and close the connection (the
 * connection lowers the bound before authentication). An optional `reserve` callback is asked for
 * each frame's length when its header arrives, before the bytes are buffered; when it refuses,
 * decoding stops until `resume` (the global-budget wait).
 */
import type { BufferPool } from "../../domain/buffer-pool.ts";
import { FramedReader } from "../transport/framed-reader.ts";

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

/**
 * Decodes frames (without their 4-byte header) from bytes the socket reads straight into this
 * decoder's buffers (`readBuffer` / `filled`, transport/framed-reader.ts): a big WRITE's frame
 * arrives in a buffer of its own, with no copy.
 */
export class FrameDecoder extends FramedReader {
  /** Bytes `reserve` granted for the frame being received (-1: not asked yet). */
  private reservedFrame = -1;
  /** Decoding stopped because `reserve` refused the next frame. */
  blocked = false;
  /** The length of the frame `reserve` refused (what the connection waits to fit). */
  wantedBytes = 0;

  constructor(
    public maxFrameBytes = MAX_FRAME_BYTES,
    private readonly reserve?: (bytes: number) => boolean,
    /** Told as a reserved frame's bytes land in memory (the budget's projection, budget.ts). */
    private readonly onArrived?: (bytes: number) => void,
    /** Where big frames are received (transport/framed-reader.ts). */
    pool?: BufferPool,
  ) {
    super(TRANSPORT_HEADER_BYTES, undefined, pool);
  }

  protected override arrived(n: number): void {
    this.onArrived?.(n);
  }

  /** Bytes granted by `reserve` for the frame being received (given back by the owner on close). */
  get reservedBytes(): number {
    return Math.max(0, this.reservedFrame);
  }

  protected header(buf: Buffer, at: number): number | null {
    if (buf[at] !== 0) {
      throw new FrameTooLargeError(`bad transport header byte ${buf[at]}`, "bad-transport-header");
    }
    const length = buf.readUInt32BE(at) & 0xffffff;
    if (length > this.maxFrameBytes) throw new FrameTooLargeError(`frame of ${length} bytes`);
    if (this.reservedFrame < 0) {
      this.blocked = this.reserve !== undefined && !this.reserve(length);
      this.wantedBytes = length;
      if (this.blocked) return null;
      this.reservedFrame = length;
    }
    return length;
  }

  protected body(frame: Buffer): Buffer {
    this.reservedFrame = -1;
    return frame;
  }
}

/** The 4-byte transport header for a frame of `length` bytes. */
export function transportHeader(length: number): Buffer {
  const b = Buffer.alloc(TRANSPORT_HEADER_BYTES);
  b.writeUInt32BE(length & 0xffffff, 0);
  return b;
}

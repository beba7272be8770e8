/**
 * A connection's request intake: frames decoded from the socket wait in a queue and start only
 * while the connection is under its limits (frames and request bytes in flight, READ bytes
 * requested and not yet answered, reply bytes not yet sent) and the global budget has room.
 * Otherwise the socket is paused, so a client that sends faster than it reads, or stops reading
 * replies, stalls itself instead of growing server memory until the process dies.
 *
 * Budget accounting (transport/budget.ts): a frame's length is reserved when its transport
 * header arrives (before its bytes are buffered) and the READ lengths it asks for when it
 * starts; both are given back when the frame ends or goes async.
 */
import type { Socket } from "node:net";
import { type BufferPool, release as releaseBuffer } from "../../domain/buffer-pool.ts";
import type { ByteBudget } from "../transport/budget.ts";
import { freeNow } from "../transport/framed-reader.ts";
import { SMB2_TRANSFORM_PROTOCOL_ID } from "./auth/encryption.ts";
import { SMB2_HEADER_SIZE, SMB2_READ } from "./constants.ts";
import { FrameDecoder } from "./framing.ts";
import { MAX_INFLIGHT_BYTES, MAX_INFLIGHT_FRAMES, MAX_OUTBOUND_BYTES } from "./limits.ts";

/** One frame's share of the in-flight limits, given back when it ends or goes async. */
export interface FrameSlot {
  bytes: number;
  /** READ bytes this frame asked for (charged against the outstanding-read cap and the budget). */
  readBytes: number;
  released: boolean;
}

export interface IntakeLimits {
  budget: ByteBudget;
  /** Where big frames are received (domain/buffer-pool.ts); a frame is released when it ends. */
  pool?: BufferPool;
  /** Largest frame before a session is authenticated (NEGOTIATE and SESSION_SETUP are small). */
  preauthFrameBytes: number;
  /** Largest frame afterwards. */
  frameBytes: number;
  /** READ bytes requested and not yet answered on this connection. */
  maxOutstandingReadBytes: number;
  /** Most a frame is charged for its READs (the compound response bound). */
  maxFrameReadCharge: number;
}

/** Most commands looked at in one chain when summing its READ lengths. */
const CHAIN_SCAN_MAX = 1024;

/** The READ Length (§2.2.19: body offset 4) of the message at `off`, 0 for other commands. */
export function readLengthAt(frame: Buffer, off: number): number {
  if (off + SMB2_HEADER_SIZE + 8 > frame.length || frame.readUInt16LE(off + 12) !== SMB2_READ) return 0;
  return frame.readUInt32LE(off + SMB2_HEADER_SIZE + 4);
}

/**
 * Sum of the READ Lengths of a chain, at most `cap`. An encrypted frame (TRANSFORM_HEADER,
 * §2.2.41) hides its commands: it is charged nothing here (its replies still count as written).
 */
export function readCharge(frame: Buffer, cap: number): number {
  if (frame.length >= 4 && frame.readUInt32LE(0) === SMB2_TRANSFORM_PROTOCOL_ID) return 0;
  let total = 0;
  let off = 0;
  for (let i = 0; i < CHAIN_SCAN_MAX && off + SMB2_HEADER_SIZE <= frame.length; i++) {
    total += readLengthAt(frame, off);
    if (total >= cap) return cap;
    const next = frame.readUInt32LE(off + 20);
    if (next === 0) break;
    off += next;
  }
  return total;
}

export class RequestIntake {
  private inflight = 0;
  private inflightBytes = 0;
  private inflightReadBytes = 0;
  private queuedBytes = 0;
  private stopped = false;
  private waitingForBudget = false;
  readonly decoder: FrameDecoder;
  /** Decoded frames not started yet; at most what one read brings once the socket is paused. */
  private readonly queued: Buffer[] = [];
  lastActivityAt = performance.now();

  private socket!: Socket;

  /**
   * `socket` null: `attach` gives it later (the connection's socket is built around the intake's
   * read buffers, so the intake exists first).
   */
  constructor(
    socket: Socket | null,
    /** Runs one frame; a rejection closes the connection (it never reaches the process). */
    private readonly run: (frame: Buffer, slot: FrameSlot) => Promise<void>,
    private readonly fail: (e: unknown, msg: string) => void,
    private readonly limits: IntakeLimits,
  ) {
    this.decoder = new FrameDecoder(
      limits.preauthFrameBytes,
      (n) => limits.budget.tryReserve(n),
      (n) => limits.budget.arrived(n),
      limits.pool,
    );
    if (socket !== null) this.attach(socket);
  }

  attach(socket: Socket): void {
    this.socket = socket;
    socket.on("drain", () => this.pump());
  }

  /** A session was authenticated: frames up to the full bound are accepted from now on. */
  authenticated(): void {
    this.decoder.maxFrameBytes = this.limits.frameBytes;
  }

  /** Decodes a chunk; a framing error closes the connection. */
  push(chunk: Buffer): void {
    this.decode(() => this.decoder.push(chunk));
  }

  /** Where the socket's next read goes (the connection reads with net.Socket `onread`). */
  readBuffer(): Buffer {
    return this.decoder.readBuffer();
  }

  /** `n` bytes were read into the last readBuffer(). */
  filled(n: number): void {
    this.decode(() => this.decoder.filled(n));
  }

  private decode(frames_: () => Buffer[]): void {
    this.lastActivityAt = performance.now();
    let frames: Buffer[];
    try {
      frames = frames_();
    } catch (e) {
      this.fail(e, "smb: bad frame, closing");
      return;
    }
    for (const f of frames) {
      this.queued.push(f);
      this.queuedBytes += f.length;
    }
    if (this.decoder.blocked) this.waitForBudget(this.decoder.wantedBytes);
    this.pump();
  }

  /** A frame partly received while we read: the frame deadline applies. */
  stalledFrame(): boolean {
    return this.decoder.pendingBytes > 0 && !this.socket.isPaused();
  }

  get busy(): boolean {
    return this.inflight > 0 || this.queued.length > 0;
  }

  /** No frame starts any more (the connection closed); reserved bytes go back to the budget. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    // Frames that will never run: nothing else refers to them, so their memory goes now.
    for (const f of this.queued) freeNow(f);
    this.queued.length = 0;
    this.limits.budget.cancelWait(this.wake);
    this.limits.budget.release(this.queuedBytes + this.decoder.reservedBytes, this.decoder.unarrivedBytes);
    this.queuedBytes = 0;
    this.decoder.dispose();
  }

  /** A request that went async (interim sent) no longer holds back the frames behind it. */
  release(slot: FrameSlot): void {
    if (slot.released) return;
    slot.released = true;
    this.inflight--;
    this.inflightBytes -= slot.bytes;
    this.inflightReadBytes -= slot.readBytes;
    // READ bytes are charged as still to come; the replies they became are counted by the writer.
    this.limits.budget.release(slot.bytes + slot.readBytes, slot.readBytes);
    this.pump();
  }

  /** Waits until `bytes` (a frame, or a READ's charge) fit the budget. */
  private waitForBudget(bytes: number): void {
    if (this.waitingForBudget) return;
    this.waitingForBudget = true;
    this.limits.budget.waitForRoom(this.wake, bytes);
  }

  private readonly wake = (): void => {
    this.waitingForBudget = false;
    if (this.stopped) return;
    this.decode(() => this.decoder.resume());
  };

  private pump(): void {
    while (this.queued.length > 0 && !this.overloaded() && !this.stopped) {
      const frame = this.queued[0]!;
      const charge = readCharge(frame, this.limits.maxFrameReadCharge);
      // READs that would take the connection past its cap wait for earlier ones to be answered
      // (release() pumps again); with none outstanding a frame runs whatever its charge.
      if (
        this.inflightReadBytes > 0 &&
        this.inflightReadBytes + charge > this.limits.maxOutstandingReadBytes
      ) {
        break;
      }
      if (charge > 0 && !this.limits.budget.tryReserve(charge)) {
        this.waitForBudget(charge);
        break;
      }
      this.queued.shift();
      this.queuedBytes -= frame.length;
      this.start(frame, charge);
    }
    if (this.stopped || this.socket.destroyed) return;
    if (this.queued.length > 0 || this.overloaded() || this.waitingForBudget) this.socket.pause();
    else this.socket.resume();
  }

  private start(frame: Buffer, readBytes: number): void {
    const slot: FrameSlot = { bytes: frame.length, readBytes, released: false };
    this.inflight++;
    this.inflightBytes += frame.length;
    this.inflightReadBytes += readBytes;
    this.run(frame, slot)
      .catch((e) => this.fail(e, "smb: frame failed, closing"))
      .finally(() => {
        // Every command of the frame has ended (async ones too): its reference goes back; a frame
        // its WRITE vouched for is reused once the payload cache lets go of it (buffer-pool.ts).
        releaseBuffer(frame);
        this.release(slot);
      })
      .catch(() => undefined);
  }

  private overloaded(): boolean {
    return (
      this.inflight >= MAX_INFLIGHT_FRAMES ||
      this.inflightBytes >= MAX_INFLIGHT_BYTES ||
      this.inflightReadBytes >= this.limits.maxOutstandingReadBytes ||
      this.socket.writableLength >= MAX_OUTBOUND_BYTES
    );
  }
}

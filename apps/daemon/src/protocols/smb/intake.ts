/**
 * A connection's request intake: frames decoded from the socket wait in a queue and start only
 * while the connection is under its limits (frames and request bytes in flight, reply bytes not
 * yet sent). Otherwise the socket is paused, so a client that sends faster than it reads, or
 * stops reading replies, stalls itself instead of growing server memory until the process dies.
 */
import type { Socket } from "node:net";
import { FrameDecoder } from "./framing.ts";
import { MAX_INFLIGHT_BYTES, MAX_INFLIGHT_FRAMES, MAX_OUTBOUND_BYTES } from "./state.ts";

/** One frame's share of the in-flight limits, given back when it ends or goes async. */
export interface FrameSlot {
  bytes: number;
  released: boolean;
}

export class RequestIntake {
  private inflight = 0;
  private inflightBytes = 0;
  private stopped = false;
  private readonly decoder = new FrameDecoder();
  /** Decoded frames not started yet; at most what one read brings once the socket is paused. */
  private readonly queued: Buffer[] = [];

  constructor(
    private readonly socket: Socket,
    /** Runs one frame; a rejection closes the connection (it never reaches the process). */
    private readonly run: (frame: Buffer, slot: FrameSlot) => Promise<void>,
    private readonly fail: (e: unknown, msg: string) => void,
  ) {
    socket.on("drain", () => this.pump());
  }

  /** Decodes a chunk; a framing error closes the connection. */
  push(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.decoder.push(chunk);
    } catch (e) {
      this.fail(e, "smb: bad frame, closing");
      return;
    }
    for (const f of frames) this.queued.push(f);
    this.pump();
  }

  /** No frame starts any more (the connection closed). */
  stop(): void {
    this.stopped = true;
    this.queued.length = 0;
  }

  /** A request that went async (interim sent) no longer holds back the frames behind it. */
  release(slot: FrameSlot): void {
    if (slot.released) return;
    slot.released = true;
    this.inflight--;
    this.inflightBytes -= slot.bytes;
    this.pump();
  }

  private pump(): void {
    while (this.queued.length > 0 && !this.overloaded() && !this.stopped) this.start(this.queued.shift()!);
    if (this.stopped || this.socket.destroyed) return;
    if (this.queued.length > 0 || this.overloaded()) this.socket.pause();
    else this.socket.resume();
  }

  private start(frame: Buffer): void {
    const slot: FrameSlot = { bytes: frame.length, released: false };
    this.inflight++;
    this.inflightBytes += frame.length;
    this.run(frame, slot)
      .catch((e) => this.fail(e, "smb: frame failed, closing"))
      .finally(() => this.release(slot))
      .catch(() => undefined);
  }

  private overloaded(): boolean {
    return (
      this.inflight >= MAX_INFLIGHT_FRAMES ||
      this.inflightBytes >= MAX_INFLIGHT_BYTES ||
      this.socket.writableLength >= MAX_OUTBOUND_BYTES
    );
  }
}

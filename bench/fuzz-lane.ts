/**
 * The fuzzer's connections (bench/fuzz.ts): a lane reopens itself when the server closes it, splits
 * its TCP writes at random points, and on RPC lanes bounds the calls left unanswered by counting
 * reply record marks (RFC 5531 §11).
 */
import type { Socket } from "node:net";

/** How long a full window waits for a reply before the lane reconnects. */
const REPLY_WAIT_MS = 1000;

/**
 * A connection that reopens itself when the server closes it (a refused frame may do that). With
 * a `window` (RPC lanes), at most that many calls go unanswered: frames queued behind one that
 * makes the server close the connection are lost, so an unbounded pipeline would mostly measure
 * the socket buffer.
 */
export class Lane {
  socket: Socket | null = null;
  closed = 0;
  private readonly replies = new ReplyCounter();
  constructor(
    private readonly open: () => Promise<Socket>,
    private readonly window = 0,
  ) {}

  async send(bytes: Buffer, rand: () => number): Promise<void> {
    if (this.socket === null || this.socket.destroyed) {
      this.socket = await this.open();
      this.socket.on("close", () => {
        this.closed += 1;
        this.replies.reset();
      });
      this.socket.on("error", () => {});
      this.replies.reset();
      if (this.window > 0) this.socket.on("data", (d: Buffer) => this.replies.data(d));
    }
    const s = this.socket;
    // A call left unanswered means the stream lost its framing (a record mark lied): start over.
    if (this.window > 0 && !(await this.replies.below(this.window))) s.destroy();
    if (s.destroyed) return;
    // TCP writes split at random points, as a slow or hostile sender would.
    let at = 0;
    while (at < bytes.length) {
      const n = rand() < 0.8 ? bytes.length - at : 1 + Math.floor(rand() * (bytes.length - at));
      if (!s.write(bytes.subarray(at, at + n))) await new Promise((r) => s.once("drain", r).once("close", r));
      at += n;
      if (s.destroyed) return;
    }
    this.replies.sent++;
  }

  close(): void {
    this.socket?.destroy();
  }

  /** Closes the connection and resolves once it is closed; the next send reconnects. */
  async end(): Promise<void> {
    const s = this.socket;
    if (s === null || s.destroyed) return;
    await new Promise((r) => {
      s.once("close", r);
      s.destroy();
    });
  }
}

/** Counts RPC reply records (RFC 5531 §11 record marks) arriving on a lane. */
class ReplyCounter {
  sent = 0;
  private answered = 0;
  private head = Buffer.alloc(0);
  /** Bytes left of the fragment being skipped, and whether it is a record's last. */
  private left = 0;
  private last = false;
  private wake: (() => void) | null = null;

  reset(): void {
    this.sent = this.answered = this.left = 0;
    this.head = Buffer.alloc(0);
    this.wake?.();
  }

  data(d: Buffer): void {
    let at = 0;
    while (at < d.length) {
      if (this.left > 0) {
        const k = Math.min(this.left, d.length - at);
        this.left -= k;
        at += k;
        if (this.left === 0 && this.last) this.answer();
        continue;
      }
      const k = Math.min(4 - this.head.length, d.length - at);
      this.head = Buffer.concat([this.head, d.subarray(at, at + k)]);
      at += k;
      if (this.head.length < 4) break;
      const mark = this.head.readUInt32BE(0);
      this.head = Buffer.alloc(0);
      this.last = (mark & 0x8000_0000) !== 0;
      this.left = mark & 0x7fff_ffff;
      if (this.left === 0 && this.last) this.answer();
    }
  }

  private answer(): void {
    this.answered++;
    this.wake?.();
  }

  /** Whether fewer than `n` calls became unanswered within REPLY_WAIT_MS. */
  async below(n: number): Promise<boolean> {
    while (this.sent - this.answered >= n) {
      const more = await new Promise<boolean>((r) => {
        const t = setTimeout(() => r(false), REPLY_WAIT_MS);
        this.wake = () => {
          clearTimeout(t);
          r(true);
        };
      });
      this.wake = null;
      if (!more) return false;
    }
    return true;
  }
}

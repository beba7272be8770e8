/**
 * One TCP connection: record-marked calls in, replies out. Calls run concurrently (up to
 * `maxInFlight`; reading pauses beyond that) and replies go out in completion order, as RPC
 * over TCP allows (xids match them). One writer per connection: a lone call's reply is written as
 * the call completes; replies of calls in flight together that complete in the same tick are
 * written a tick later under one cork, so Node issues a single writev and payload buffers
 * (READ data) are never copied into a staging buffer. Small replies (all metadata ones) are
 * copied once into a single buffer with their record mark, so a lone reply is one plain write.
 *
 * Memory: every fragment's bytes are reserved from the global budget when its header arrives and
 * given back when its call ends; reply bytes are counted from queueing until written. Reading
 * pauses while the budget is spent or this connection holds `maxHeldBytes` of calls. The guard
 * (transport/guard.ts) closes a connection that sends no complete call in time, stalls inside a
 * record, or stays idle.
 */
import type { Socket } from "node:net";
import type { Logger } from "pino";
import { requestActivity } from "../../../domain/activity.ts";
import { type BufferPool, release, releaseAll } from "../../../domain/buffer-pool.ts";
import type { BadFrameLog } from "../../transport/bad-frames.ts";
import { ByteBudget } from "../../transport/budget.ts";
import type { CloseReason, GuardedConnection } from "../../transport/guard.ts";
import { readInto } from "../../transport/read-into.ts";
import {
  ConnectionCalls,
  type Peer,
  ProtocolError,
  type RpcDispatcher,
  type RpcReply,
} from "./dispatcher.ts";
import { RecordDecoder, RecordError, recordMark } from "./record-marking.ts";

export interface ConnectionLimits {
  /** Largest record accepted (WRITE of wtmax plus headers). */
  maxRecordBytes: number;
  /** Calls executing at once on one connection. */
  maxInFlight: number;
  /** Reply bytes queued in the socket before we stop reading new calls. */
  maxPendingWriteBytes: number;
  /** Call bytes (records received and not yet answered) one connection may hold before it stops reading. */
  maxHeldBytes: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  maxRecordBytes: 1024 * 1024 + 64 * 1024,
  maxInFlight: 128,
  maxPendingWriteBytes: 16 * 1024 * 1024,
  maxHeldBytes: 32 * 1024 * 1024,
};

/** What a connection shares with its listener and the rest of the daemon. */
export interface ConnectionShared {
  budget: ByteBudget;
  badFrames?: BadFrameLog;
  /** Where big records are received (domain/buffer-pool.ts); a call's record is released when it ends. */
  pool?: BufferPool;
}

const CLOSE_LINGER_MS = 1_000;
/** Replies up to this size are copied into one buffer behind their record mark (one write). */
const COALESCE_MAX_BYTES = 4096;
const RECORD_MARK_BYTES = 4;
const LAST_FRAGMENT = 0x8000_0000;

/** A queued reply's held buffers (RpcReply.held) and the index in `out` of its last buffer. */
interface OutHold {
  at: number;
  held: readonly Buffer[];
}

export class RpcConnection implements GuardedConnection {
  private readonly decoder: RecordDecoder;
  private readonly budget: ByteBudget;
  private inFlight = 0;
  /** Bytes of complete calls not answered yet (reserved from the budget). */
  private heldBytes = 0;
  /** Reply bytes queued and not yet written (reserved from the budget). */
  private outReserved = 0;
  /** Of those, the bytes in `out` (not handed to the socket yet). */
  private outBytes = 0;
  private pausedForBudget = false;
  readonly acceptedAt = performance.now();
  lastActivityAt = this.acceptedAt;
  handshaken = false;
  private out: Buffer[] = [];
  /** Replies in `out` that hold receive-pool memory: let go when their write completed. */
  private outHolds: OutHold[] = [];
  private flushScheduled = false;
  private pausedForCalls = false;
  private pausedForWrites = false;
  private closed = false;
  /** A graceful stop: no new calls are read, whatever the flow control says. */
  private readingStopped = false;
  private idleWaiters: (() => void)[] = [];
  readonly peer: Peer;
  /** What the dispatcher keeps between this connection's calls (its last credential, decoded). */
  private readonly calls = new ConnectionCalls();
  /** The connection's socket: reads land in the decoder's buffers (read-into.ts). */
  readonly socket: Socket;

  /** `accepted` comes from a listener with `pauseOnConnect` (it must not have read anything). */
  constructor(
    accepted: Socket,
    private readonly dispatcher: RpcDispatcher,
    private readonly logger: Logger,
    private readonly limits: ConnectionLimits = DEFAULT_CONNECTION_LIMITS,
    private readonly shared: ConnectionShared = { budget: new ByteBudget() },
  ) {
    this.budget = shared.budget;
    this.decoder = new RecordDecoder(limits.maxRecordBytes, {
      reserve: (n) => this.budget.tryReserve(n),
      arrived: (n) => this.budget.arrived(n),
      pool: shared.pool,
    });
    this.peer = { address: accepted.remoteAddress ?? "?", port: accepted.remotePort ?? 0 };
    const socket = readInto(accepted, {
      buffer: () => this.decoder.readBuffer(),
      callback: (n) => {
        this.onRead(() => this.decoder.filled(n));
        return true;
      },
    });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on("drain", () => {
      if (this.pausedForWrites) {
        this.pausedForWrites = false;
        this.updateFlow();
      }
    });
    socket.on("error", (err) => this.logger.debug({ err, peer: this.peer }, "nfs connection error"));
    socket.on("close", () => this.onClose());
  }

  get address(): string {
    return this.peer.address;
  }

  private onClose(): void {
    this.closed = true;
    this.out = [];
    // Replies never handed to the socket: nothing reads their views.
    for (const h of this.outHolds) releaseAll(h.held);
    this.outHolds = [];
    this.outBytes = 0;
    this.budget.cancelWait(this.wake);
    // Calls still running give their bytes back when they end (endCall).
    this.budget.release(this.decoder.reservedBytes + this.outReserved, this.decoder.unarrivedBytes);
    this.outReserved = 0;
    this.decoder.dispose();
    this.notifyIdle();
  }

  stalledFrame(): boolean {
    return this.decoder.pendingBytes > 0 && !this.socket.isPaused();
  }

  busy(): boolean {
    return this.inFlight > 0 || this.outReserved > 0;
  }

  /**
   * With a reason (the guard: timeouts, eviction; counted there): drops the connection at once.
   * Without (graceful stop): half-closes after queued replies are written, forced if the peer lingers.
   */
  close(reason?: CloseReason): void {
    if (reason !== undefined) {
      this.logger.debug({ peer: this.peer, reason }, "closing nfs connection");
      this.socket.destroy();
      return;
    }
    this.flush();
    this.socket.end();
    setTimeout(() => this.socket.destroy(), CLOSE_LINGER_MS).unref();
  }

  private onRead(decode: () => Buffer[]): void {
    this.lastActivityAt = performance.now();
    let records: Buffer[];
    try {
      records = decode();
    } catch (e) {
      this.fail(e);
      return;
    }
    if (records.length > 0) this.handshaken = true;
    for (const rec of records) this.startCall(rec);
    if (this.decoder.blocked && !this.pausedForBudget) {
      this.pausedForBudget = true;
      this.budget.waitForRoom(this.wake, this.decoder.wantedBytes);
      this.updateFlow();
    }
  }

  /** The budget has room again: retry the fragment that did not fit. */
  private readonly wake = (): void => {
    if (this.closed) return;
    this.pausedForBudget = false;
    this.lastActivityAt = performance.now();
    this.onRead(() => this.decoder.resume());
    this.updateFlow();
  };

  private startCall(record: Buffer): void {
    requestActivity.calls++; // background work waits while calls arrive (payload/transfer/pacer.ts)
    this.inFlight++;
    this.heldBytes += record.length;
    if (this.closed) {
      this.endCall(record);
      return;
    }
    this.updateFlow();
    this.dispatcher.dispatch(record, this.peer, this.calls).then(
      (reply) => {
        if (reply !== null) this.send(reply);
        this.endCall(record);
      },
      (e) => {
        this.endCall(record);
        this.fail(e);
      },
    );
  }

  /**
   * The call is over: its bytes go back to the budget and its record's reference to the pool (a
   * record its procedure vouched for is reused once the payload cache lets go of it too).
   */
  private endCall(record: Buffer): void {
    const bytes = record.length;
    release(record);
    this.inFlight--;
    this.heldBytes -= bytes;
    this.budget.release(bytes);
    this.updateFlow();
    if (this.inFlight === 0) this.notifyIdle();
  }

  private fail(e: unknown): void {
    if (e instanceof RecordError) {
      this.shared.badFrames?.badFrame(this.peer.address, e.reason, e.message);
    } else if (e instanceof ProtocolError) {
      this.shared.badFrames?.badFrame(this.peer.address, "bad-call-header", e.message);
    } else {
      this.logger.error({ err: e, peer: this.peer }, "nfs connection failed");
    }
    this.socket.destroy();
  }

  private send(reply: RpcReply): void {
    const held = reply.held;
    if (this.closed) {
      if (held !== undefined) releaseAll(held);
      return;
    }
    let len = 0;
    for (const b of reply) len += b.length;
    this.lastActivityAt = performance.now();
    // A computed reply always goes out; while it waits in the socket it counts against the budget.
    this.budget.force(len + RECORD_MARK_BYTES);
    this.outReserved += len + RECORD_MARK_BYTES;
    this.outBytes += len + RECORD_MARK_BYTES;
    if (len <= COALESCE_MAX_BYTES) {
      // A metadata reply is a few hundred bytes in one or two chunks: one small copy with the
      // record mark in front is cheaper than a writev request per chunk.
      const one = Buffer.allocUnsafe(RECORD_MARK_BYTES + len);
      one.writeUInt32BE((LAST_FRAGMENT | len) >>> 0, 0);
      let off = RECORD_MARK_BYTES;
      for (const b of reply) off += b.copy(one, off);
      this.out.push(one);
      // Copied: nothing reads the reply's views any more.
      if (held !== undefined) releaseAll(held);
    } else {
      this.out.push(recordMark(len));
      for (const b of reply) this.out.push(b);
      if (held !== undefined) this.outHolds.push({ at: this.out.length - 1, held });
    }
    if (this.flushScheduled) return;
    // The only call in flight: no other reply can join this one in this tick, so it goes out now
    // instead of a tick later (round-trip bound clients wait for exactly this write).
    if (this.inFlight === 1) {
      this.flush();
      return;
    }
    this.flushScheduled = true;
    process.nextTick(this.flushCallback);
  }

  private readonly flushCallback = (): void => this.flush();

  private flush(): void {
    this.flushScheduled = false;
    if (this.closed || this.out.length === 0) return;
    const bufs = this.out;
    this.out = [];
    this.outBytes = 0;
    if (this.outHolds.length > 0) {
      const holds = this.outHolds;
      this.outHolds = [];
      this.writeHolding(bufs, holds);
    } else if (bufs.length === 1) {
      // One callback for every write (a closure per reply cost more than the rest of this method).
      this.socket.write(bufs[0]!, this.written);
    } else {
      this.socket.cork();
      for (let i = 0; i < bufs.length; i++)
        this.socket.write(bufs[i]!, i === bufs.length - 1 ? this.written : undefined);
      this.socket.uncork();
    }
    // Usually the kernel took every byte during write(): they go back to the budget now.
    this.settleWritten();
    if (this.socket.writableLength > this.limits.maxPendingWriteBytes) {
      this.pausedForWrites = true;
      this.updateFlow();
    }
  }

  private readonly written = (): void => this.settleWritten();

  /**
   * Writes replies some of which hold receive-pool memory: each lets go in the callback of its
   * last buffer's write, which Node calls once that write completed (the kernel copied the bytes,
   * writes complete in order) or failed, or the socket was destroyed before or while writing it
   * (a write libuv had started is cancelled first). Never earlier: the memory is reused then.
   */
  private writeHolding(bufs: readonly Buffer[], holds: readonly OutHold[]): void {
    this.socket.cork();
    let h = 0;
    for (let i = 0; i < bufs.length; i++) {
      const last = i === bufs.length - 1;
      let done: (() => void) | undefined = last ? this.written : undefined;
      if (h < holds.length && holds[h]!.at === i) {
        const held = holds[h++]!.held;
        done = last
          ? () => {
              releaseAll(held);
              this.settleWritten();
            }
          : () => releaseAll(held);
      }
      this.socket.write(bufs[i]!, done);
    }
    this.socket.uncork();
  }

  /**
   * Gives back the reply bytes that left the process: all that were reserved except the ones
   * still in `out` or queued in the socket (this connection is the socket's only writer).
   */
  private settleWritten(): void {
    const held = this.outBytes + this.socket.writableLength;
    if (this.outReserved <= held) return;
    this.budget.release(this.outReserved - held);
    this.outReserved = held;
  }

  private updateFlow(): void {
    const tooMany = this.inFlight >= this.limits.maxInFlight;
    if (tooMany !== this.pausedForCalls) this.pausedForCalls = tooMany;
    const pause =
      this.pausedForCalls ||
      this.pausedForWrites ||
      this.pausedForBudget ||
      this.heldBytes >= this.limits.maxHeldBytes;
    if (this.readingStopped) return;
    if (pause && !this.socket.isPaused()) this.socket.pause();
    else if (!pause && this.socket.isPaused()) this.socket.resume();
  }

  private notifyIdle(): void {
    if (this.inFlight !== 0 && !this.closed) return;
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const f of w) f();
  }

  /** Resolves when no call is executing (used by a graceful stop). */
  idle(): Promise<void> {
    if (this.inFlight === 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops reading new calls (graceful stop keeps replying to the ones in flight). */
  stopReading(): void {
    this.readingStopped = true;
    this.socket.pause();
  }
}

/**
 * One TCP connection: record-marked calls in, replies out. Calls run concurrently (up to
 * `maxInFlight`; reading pauses beyond that) and replies go out in completion order, as RPC
 * over TCP allows (xids match them). One writer per connection: replies that complete in the
 * same tick are written under one cork, so Node issues a single writev and payload buffers
 * (READ data) are never copied into a staging buffer. Small replies (all metadata ones) are
 * copied once into a single buffer with their record mark, so a lone reply is one plain write.
 */
import type { Socket } from "node:net";
import type { Logger } from "pino";
import { type Peer, ProtocolError, type RpcDispatcher } from "./dispatcher.ts";
import { RecordDecoder, RecordTooLargeError, recordMark } from "./record-marking.ts";

export interface ConnectionLimits {
  /** Largest record accepted (WRITE of wtmax plus headers). */
  maxRecordBytes: number;
  /** Calls executing at once on one connection. */
  maxInFlight: number;
  /** Reply bytes queued in the socket before we stop reading new calls. */
  maxPendingWriteBytes: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  maxRecordBytes: 1024 * 1024 + 64 * 1024,
  maxInFlight: 128,
  maxPendingWriteBytes: 16 * 1024 * 1024,
};

const CLOSE_LINGER_MS = 1_000;
/** Replies up to this size are copied into one buffer behind their record mark (one write). */
const COALESCE_MAX_BYTES = 4096;
const RECORD_MARK_BYTES = 4;
const LAST_FRAGMENT = 0x8000_0000;

export class RpcConnection {
  private readonly decoder: RecordDecoder;
  private inFlight = 0;
  private out: Buffer[] = [];
  private flushScheduled = false;
  private pausedForCalls = false;
  private pausedForWrites = false;
  private closed = false;
  private idleWaiters: (() => void)[] = [];
  readonly peer: Peer;

  constructor(
    private readonly socket: Socket,
    private readonly dispatcher: RpcDispatcher,
    private readonly logger: Logger,
    private readonly limits: ConnectionLimits = DEFAULT_CONNECTION_LIMITS,
  ) {
    this.decoder = new RecordDecoder(limits.maxRecordBytes);
    this.peer = { address: socket.remoteAddress ?? "?", port: socket.remotePort ?? 0 };
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("drain", () => {
      if (this.pausedForWrites) {
        this.pausedForWrites = false;
        this.updateFlow();
      }
    });
    socket.on("error", (err) => this.logger.debug({ err, peer: this.peer }, "nfs connection error"));
    socket.on("close", () => {
      this.closed = true;
      this.out = [];
      this.notifyIdle();
    });
  }

  private onData(chunk: Buffer): void {
    let records: Buffer[];
    try {
      records = this.decoder.push(chunk);
    } catch (e) {
      this.fail(e);
      return;
    }
    for (const rec of records) this.startCall(rec);
  }

  private startCall(record: Buffer): void {
    if (this.closed) return;
    this.inFlight++;
    this.updateFlow();
    this.dispatcher.dispatch(record, this.peer).then(
      (reply) => {
        if (reply !== null) this.send(reply);
        this.endCall();
      },
      (e) => {
        this.endCall();
        this.fail(e);
      },
    );
  }

  private endCall(): void {
    this.inFlight--;
    this.updateFlow();
    if (this.inFlight === 0) this.notifyIdle();
  }

  private fail(e: unknown): void {
    if (e instanceof ProtocolError || e instanceof RecordTooLargeError) {
      this.logger.warn({ peer: this.peer, reason: (e as Error).message }, "closing nfs connection");
    } else {
      this.logger.error({ err: e, peer: this.peer }, "nfs connection failed");
    }
    this.socket.destroy();
  }

  private send(reply: Buffer[]): void {
    if (this.closed) return;
    let len = 0;
    for (const b of reply) len += b.length;
    if (len <= COALESCE_MAX_BYTES) {
      // A metadata reply is a few hundred bytes in one or two chunks: one small copy with the
      // record mark in front is cheaper than a writev request per chunk.
      const one = Buffer.allocUnsafe(RECORD_MARK_BYTES + len);
      one.writeUInt32BE((LAST_FRAGMENT | len) >>> 0, 0);
      let off = RECORD_MARK_BYTES;
      for (const b of reply) off += b.copy(one, off);
      this.out.push(one);
    } else {
      this.out.push(recordMark(len));
      for (const b of reply) this.out.push(b);
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(this.flushCallback);
    }
  }

  private readonly flushCallback = (): void => this.flush();

  private flush(): void {
    this.flushScheduled = false;
    if (this.closed || this.out.length === 0) return;
    const bufs = this.out;
    this.out = [];
    if (bufs.length === 1) {
      this.socket.write(bufs[0]!);
    } else {
      this.socket.cork();
      for (const b of bufs) this.socket.write(b);
      this.socket.uncork();
    }
    if (this.socket.writableLength > this.limits.maxPendingWriteBytes) {
      this.pausedForWrites = true;
      this.updateFlow();
    }
  }

  private updateFlow(): void {
    const tooMany = this.inFlight >= this.limits.maxInFlight;
    if (tooMany !== this.pausedForCalls) this.pausedForCalls = tooMany;
    const pause = this.pausedForCalls || this.pausedForWrites;
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
    this.socket.pause();
    this.socket.removeAllListeners("data");
  }

  /** Half-closes after queued replies are written; forces the close if the peer lingers. */
  close(): void {
    this.flush();
    this.socket.end();
    setTimeout(() => this.socket.destroy(), CLOSE_LINGER_MS).unref();
  }
}

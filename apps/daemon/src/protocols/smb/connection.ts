/**
 * One TCP connection: the socket and its intake (framing, in-flight bounds), the session and open
 * tables, replies and break notifications going out, and teardown. What happens to a received
 * frame (compound chains, checks, dispatch, credits, async and CANCEL) is the request pipeline
 * (pipeline.ts). Frames are processed concurrently up to MAX_INFLIGHT_FRAMES; commands inside one
 * compound run in order.
 */
import type { Socket } from "node:net";
import { requestActivity } from "../../domain/activity.ts";
import type { BadFrameLog } from "../transport/bad-frames.ts";
import type { CloseReason, GuardedConnection } from "../transport/guard.ts";
import { readInto } from "../transport/read-into.ts";
import { closeOpen, releaseOpen } from "./commands/close.ts";
import { disconnectDurable } from "./durable.ts";
import { FrameTooLargeError, transportHeader } from "./framing.ts";
import { breakNotificationHeader } from "./header.ts";
import { type FrameSlot, type IntakeLimits, RequestIntake } from "./intake.ts";
import { type PipelineHost, RequestPipeline } from "./pipeline.ts";
import { dropHeld, type OutMessage, ReplyWriter, type Sealer } from "./reply-writer.ts";
import type { SmbRequest } from "./request.ts";
import { sealer } from "./sealing.ts";
import type { Open, Session, SmbServerState } from "./state.ts";

/** What a connection shares with its listener: budget, limits, bad-frame log. */
export interface SmbConnectionShared {
  intake: IntakeLimits;
  badFrames: BadFrameLog;
  /** Most response bytes one compound may produce (§3.3.5.2.7); commands beyond it are refused. */
  maxCompoundResponseBytes: number;
}

export class SmbConnection implements GuardedConnection, PipelineHost {
  dialect = 0;
  negotiated = false;
  clientGuid = Buffer.alloc(16);
  clientCapabilities = 0;
  clientSecurityMode = 0;
  clientDialects: number[] = [];
  /** §3.3.1.7 Connection.CipherId (0: the connection does not encrypt). */
  cipher = 0;
  /** §3.3.1.7 Connection.SigningAlgorithmId (commands/negotiate.ts). */
  signingAlgorithm = 0;
  /** §3.3.1.7 Connection.PreauthIntegrityHashValue. */
  preauthHash: Buffer | null = null;
  readonly sessions = new Map<bigint, Session>();
  readonly binds = new Set<Session>();
  readonly opens = new Map<bigint, Open>();
  private closed = false;
  private readonly intake: RequestIntake;
  private readonly writer: ReplyWriter;
  private readonly pipeline: RequestPipeline;
  readonly clientId: string;
  readonly localAddress: string;
  /** The peer's IP address, the key of logon throttling. */
  readonly remoteAddress: string;
  readonly acceptedAt = performance.now();
  /** NEGOTIATE succeeded (the guard's handshake deadline stops applying). */
  handshaken = false;
  private authenticated = false;

  /** The connection's socket: reads land in the intake's buffers (transport/read-into.ts). */
  readonly socket: Socket;

  /** `accepted` comes from a listener with `pauseOnConnect` (it must not have read anything). */
  constructor(
    readonly server: SmbServerState,
    accepted: Socket,
    private readonly shared: SmbConnectionShared,
  ) {
    this.pipeline = new RequestPipeline(this, shared);
    this.intake = new RequestIntake(
      null,
      (frame, slot) => {
        // The connected-clients list's "last active": a timestamp store per frame.
        this.server.ctx.clients.touch(this.clientId);
        requestActivity.calls++; // background work waits while requests arrive (payload/transfer/pacer.ts)
        return this.pipeline.handleFrame(frame, slot);
      },
      (e, msg) => this.fail(e, msg),
      shared.intake,
    );
    // Per-connection error boundary: nothing thrown in this connection's handlers may reach the
    // process (an uncaught exception stops the daemon for every client); it closes this
    // connection only.
    const socket = readInto(accepted, {
      buffer: () => this.intake.readBuffer(),
      callback: (n) => {
        try {
          this.intake.filled(n);
        } catch (e) {
          this.fail(e, "smb: data handler failed, closing");
        }
        return true;
      },
    });
    this.socket = socket;
    this.writer = new ReplyWriter(socket, shared.intake.budget);
    this.clientId = server.ctx.clients.add(
      {
        protocol: "smb",
        address: `${socket.remoteAddress ?? "?"}:${socket.remotePort ?? 0}`,
        share: null,
        user: null,
      },
      // An admin's disconnect closes the connection; teardown then closes its opens.
      { disconnect: () => socket.destroy() },
    );
    server.connections.add(this);
    this.localAddress = socket.localAddress ?? "127.0.0.1";
    this.remoteAddress = socket.remoteAddress ?? "?";
    socket.setNoDelay(true);
    this.intake.attach(socket);
    socket.on("error", () => socket.destroy());
    socket.on("close", () => {
      this.writer.releaseAll();
      this.teardown().catch((e) => this.server.ctx.logger.error({ err: e }, "smb: teardown failed"));
    });
  }

  /** The guard's per-client key (GuardedConnection). */
  get address(): string {
    return this.remoteAddress;
  }

  get lastActivityAt(): number {
    return Math.max(this.intake.lastActivityAt, this.writer.lastWriteAt);
  }

  stalledFrame(): boolean {
    return this.intake.stalledFrame();
  }

  /** Open files, pending async requests or frames in flight keep a connection from idling out (as Samba's deadtime). */
  busy(): boolean {
    return (
      this.opens.size > 0 ||
      this.pipeline.pendingCount > 0 ||
      this.intake.busy ||
      this.writer.pendingBytes > 0
    );
  }

  /** True once the socket closed: late handlers must not register state (opens) any more. */
  get isClosed(): boolean {
    return this.closed;
  }

  fail(e: unknown, msg: string): void {
    try {
      const reason = e instanceof FrameTooLargeError ? e.reason : "bad-request";
      this.shared.badFrames.badFrame(
        this.address,
        reason,
        `${msg}: ${e instanceof Error ? e.message : String(e)}`,
      );
    } finally {
      this.socket.destroy();
    }
  }

  /** FileIds are unique server-wide: a durable open keeps its FileId on its next connection. */
  newVolatileId(): bigint {
    return this.server.newOpenId();
  }
  /** TreeIds unique server-wide: a bound session's trees come from several connections. */
  newTreeId(): number {
    return this.server.newTreeId();
  }

  /** NEGOTIATE ends the handshake; an authenticated session lifts the pre-auth frame bound. */
  afterFrame(): void {
    if (this.negotiated) this.handshaken = true;
    if (this.authenticated) return;
    for (const s of this.sessions.values()) {
      if (s.state === "valid" && !s.anonymous) {
        this.authenticated = true;
        this.intake.authenticated();
        return;
      }
    }
  }

  /**
   * An unsolicited OPLOCK_BREAK notification (§3.3.4.6, §3.3.4.7): MessageId all ones, no
   * session or tree, unsigned, no credits; encrypted with `seal` when the open's session or tree
   * has EncryptData (§3.3.4.1.4, sealing.ts notificationSealer).
   */
  sendBreakNotification(body: Buffer, seal: Sealer | null): void {
    this.writeMessage([breakNotificationHeader(), body], seal);
  }

  /** One unchained message, in a TRANSFORM_HEADER frame when `seal` is given. */
  private writeMessage(parts: Buffer[], seal: Sealer | null): void {
    const message = seal ? seal(parts) : parts;
    const length = message.reduce((n, p) => n + p.length, 0);
    this.write([transportHeader(length), ...message]);
  }

  /** Sends an already-built single message (preauth hashing needs the exact bytes). */
  sendOne(message: OutMessage): void {
    this.sendChain([message]);
  }

  private write(parts: Buffer[]): void {
    if (!this.closed) this.writer.write(parts);
  }

  sendChain(out: OutMessage[], sealed: Session | null = null, compound = false): void {
    if (this.closed) dropHeld(out);
    else this.writer.sendChain(out, sealer(sealed), compound);
  }

  /** Interim response and pending registration for `req` (§3.3.4.2). */
  goAsync(req: SmbRequest): AbortSignal | null {
    return this.pipeline.goAsync(req);
  }

  releaseFrame(slot: FrameSlot): void {
    this.intake.release(slot);
  }

  /**
   * Closes every open of a session (of one tree: TREE_DISCONNECT); with `keepDurable` (LOGOFF,
   * teardown) durable opens are only disconnected, waiting for a reconnect (durable.ts).
   */
  async closeSessionOpens(session: Session, tree?: number, keepDurable = false): Promise<void> {
    for (const open of [...this.opens.values()]) {
      if (open.session !== session || (tree !== undefined && open.tree.id !== tree)) continue;
      if (keepDurable && this.opens.delete(open.volatileId)) {
        if (!disconnectDurable(this.server, open))
          await releaseOpen(this.server, open).catch(() => undefined);
        continue;
      }
      await closeOpen(open).catch(() => undefined);
    }
  }

  /**
   * The connection is one channel of `session` going away (§3.3.4.x channel loss, §3.3.7.1): when
   * another channel remains, this connection's opens of the session move to it (oplock breaks go
   * out there) and the session lives on; false when this was its last channel.
   */
  private leaveChannel(session: Session): boolean {
    session.channels.delete(this);
    const next = [...session.channels].find(([c, ch]) => !c.isClosed && ch.signingKey)?.[0];
    if (!next) return false;
    for (const open of [...this.opens.values()]) {
      if (open.session !== session) continue;
      this.opens.delete(open.volatileId);
      open.conn = next;
      next.opens.set(open.volatileId, open);
    }
    return true;
  }

  private async teardown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.intake.stop();
    try {
      // A bind this connection left half-made gives its place in the session back.
      for (const s of this.binds) if (s.channels.get(this)?.bind) s.channels.delete(this);
      this.binds.clear();
      const surviving = new Set<bigint>();
      for (const s of this.sessions.values()) if (this.leaveChannel(s)) surviving.add(s.id);
      // A request of a session that lives on through another channel keeps running (a replay of
      // a CREATE still pending then gets FILE_NOT_AVAILABLE, smbtorture smb2.replay.dhv2-pending2*).
      this.pipeline.cancelAll(surviving);
      for (const s of this.sessions.values()) {
        if (!surviving.has(s.id)) await this.closeSessionOpens(s, undefined, true);
      }
      // An open registered while the loop above awaited (CREATE refuses on a closed connection;
      // this is the backstop) would otherwise keep its share mode and handle forever.
      for (const open of [...this.opens.values()]) await closeOpen(open).catch(() => undefined);
    } finally {
      this.server.connections.delete(this);
      this.sessions.clear();
      this.server.ctx.clients.remove(this.clientId);
    }
  }

  close(_reason?: CloseReason): void {
    this.socket.destroy();
  }
}

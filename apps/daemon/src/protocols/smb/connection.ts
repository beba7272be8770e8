/**
 * One TCP connection: framing, compound chains (§3.3.5.2.7), credits (§3.3.1.2), signing checks
 * (§3.3.5.2.4), encryption (§3.3.5.2.1.1 decrypting, §3.3.4.1.4 encrypting the replies of an
 * encrypted request), async interim responses (§3.3.4.2), CANCEL, and teardown. Frames are processed
 * concurrently up to MAX_INFLIGHT_FRAMES; commands inside one compound run in order.
 */
import type { Socket } from "node:net";
import type { BadFrameLog } from "../transport/bad-frames.ts";
import type { CloseReason, GuardedConnection } from "../transport/guard.ts";
import { readInto } from "../transport/read-into.ts";
import { SMB2_TRANSFORM_PROTOCOL_ID } from "./auth/encryption.ts";
import { CreditWindow, splitChain } from "./chain.ts";
import { closeOpen } from "./commands/close.ts";
import { COMMANDS } from "./commands/index.ts";
import {
  SMB2_CANCEL,
  SMB2_CREATE,
  SMB2_FLAGS_ASYNC_COMMAND,
  SMB2_FLAGS_RELATED_OPERATIONS,
  SMB2_FLAGS_SERVER_TO_REDIR,
  SMB2_FLAGS_SIGNED,
  SMB2_NEGOTIATE,
  SMB2_PROTOCOL_ID,
  SMB2_SESSION_SETUP,
} from "./constants.ts";
import { FrameTooLargeError, transportHeader } from "./framing.ts";
import { breakNotificationHeader, decodeHeader, encodeHeader, type Smb2Header } from "./header.ts";
import { type FrameSlot, type IntakeLimits, RequestIntake, readLengthAt } from "./intake.ts";
import { IPC_COMMANDS } from "./ipc.ts";
import {
  isErrorStatus,
  STATUS_CANCELLED,
  STATUS_INSUFFICIENT_RESOURCES,
  STATUS_INVALID_PARAMETER,
  STATUS_MORE_PROCESSING_REQUIRED,
  STATUS_NETWORK_NAME_DELETED,
  STATUS_PENDING,
} from "./ntstatus.ts";
import { type OutMessage, ReplyWriter, type Sealer } from "./reply-writer.ts";
import { type CommandSpec, type CompoundState, newCompound, type Reply, SmbRequest } from "./request.ts";
import {
  bindSession,
  checkRelated,
  checkStructureSize,
  foreignSessionKey,
  reauthKey,
} from "./request-checks.ts";
import { checkEncrypted, sealer, unseal } from "./sealing.ts";
import {
  MAX_PENDING_ASYNC,
  type Open,
  type Session,
  type SmbConnectionPort,
  type SmbServerState,
} from "./state.ts";
import { ntStatusOf, SmbError } from "./status.ts";

/** §2.2.2 SMB2 ERROR response body with no error data. */
const ERROR_BODY = Buffer.from([9, 0, 0, 0, 0, 0, 0, 0, 0]);

interface Pending {
  controller: AbortController;
  messageId: bigint;
  sessionId: bigint;
}

/** What a connection shares with its listener: budget, limits, bad-frame log. */
export interface SmbConnectionShared {
  intake: IntakeLimits;
  badFrames: BadFrameLog;
  /** Most response bytes one compound may produce (§3.3.5.2.7); commands beyond it are refused. */
  maxCompoundResponseBytes: number;
}

/** Response bytes counted for a command besides its READ data (headers and bodies are small). */
const SMALL_RESPONSE_BYTES = 1024;

/** The IPC$ tree's named pipes answer CREATE, READ, WRITE, IOCTL and CLOSE themselves (ipc.ts). */
function onTree(spec: CommandSpec, req: SmbRequest): CommandSpec {
  return (req.tree?.ipc && IPC_COMMANDS[req.header.Command]) || spec;
}

export class SmbConnection implements GuardedConnection, SmbConnectionPort {
  dialect = 0;
  negotiated = false;
  clientGuid = Buffer.alloc(16);
  clientCapabilities = 0;
  clientSecurityMode = 0;
  clientDialects: number[] = [];
  /** §3.3.1.7 Connection.CipherId (0: the connection does not encrypt). */
  cipher = 0;
  /** §3.3.1.7 Connection.PreauthIntegrityHashValue. */
  preauthHash: Buffer | null = null;
  readonly sessions = new Map<bigint, Session>();
  readonly opens = new Map<bigint, Open>();
  private nextVolatile = 1n;
  private nextTree = 1;
  private nextAsync = 1n;
  private readonly pending = new Map<bigint, Pending>();
  private readonly creditWindow = new CreditWindow();
  private closed = false;
  private readonly intake: RequestIntake;
  private readonly writer: ReplyWriter;
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
    this.intake = new RequestIntake(
      null,
      (frame, slot) => this.handleFrame(frame, slot),
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
    return this.opens.size > 0 || this.pending.size > 0 || this.intake.busy || this.writer.pendingBytes > 0;
  }

  /** True once the socket closed: late handlers must not register state (opens) any more. */
  get isClosed(): boolean {
    return this.closed;
  }

  private fail(e: unknown, msg: string): void {
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

  newVolatileId(): bigint {
    return this.nextVolatile++;
  }
  newTreeId(): number {
    return this.nextTree++;
  }

  private async handleFrame(received: Buffer, slot: FrameSlot): Promise<void> {
    let frame = received;
    let sealed: Session | null = null;
    if (frame.length >= 4 && frame.readUInt32LE(0) === SMB2_TRANSFORM_PROTOCOL_ID) {
      try {
        const opened = unseal(this.sessions, frame, this.shared.intake.frameBytes);
        frame = opened.plain;
        sealed = opened.session;
      } catch (e) {
        this.fail(e, "smb: bad encrypted frame, closing");
        return;
      }
    }
    if (frame.length >= 4 && frame.readUInt32LE(0) !== SMB2_PROTOCOL_ID) {
      // SMB1 (or garbage): this server speaks SMB2 only; clients that start with an SMB1
      // multi-protocol NEGOTIATE are configured with `client min protocol = SMB2`.
      this.shared.badFrames.badFrame(this.address, "not-smb2");
      this.socket.destroy();
      return;
    }
    const msgs = splitChain(frame);
    const compound = newCompound();
    let responseBytes = 0;
    for (let i = 0; i < msgs.length; i++) {
      const msg = msgs[i]!;
      const header = decodeHeader(msg);
      // §3.3.5.2.7.2: a first command flagged related has no previous command to take ids from.
      const related = (header.Flags & SMB2_FLAGS_RELATED_OPERATIONS) !== 0;
      if (!related) compound.fileId = null;
      if (sealed && !related && header.SessionId !== sealed.id) {
        this.fail(
          new Error("SessionId differs from the TRANSFORM_HEADER's"),
          "smb: bad encrypted frame, closing",
        );
        return;
      }
      // Every reply of a compound goes out in one frame, built before it is sent: the compound's
      // response is bounded (READ Lengths counted before they run) and commands beyond it refused.
      const expected = responseBytes + SMALL_RESPONSE_BYTES + readLengthAt(msg, 0);
      const overBudget = expected > this.shared.maxCompoundResponseBytes && i > 0;
      const last = i === msgs.length - 1;
      const reply = overBudget
        ? this.refuse(header, msg, related, compound)
        : await this.process(header, msg, related, compound, last, slot, sealed);
      if (reply) {
        compound.out.push(reply);
        for (const p of reply.parts) responseBytes += p.length;
      }
    }
    this.afterFrame();
    if (compound.out.length > 0) this.sendChain(compound.out, sealed);
  }

  /** A compound command past the response bound: STATUS_INSUFFICIENT_RESOURCES, not run. */
  private refuse(h: Smb2Header, msg: Buffer, related: boolean, compound: CompoundState): OutMessage {
    const req = new SmbRequest(this, this.server, h, msg, related, compound, false);
    return this.buildResponse(req, { status: STATUS_INSUFFICIENT_RESOURCES, body: ERROR_BODY }, null);
  }

  /** NEGOTIATE ends the handshake; an authenticated session lifts the pre-auth frame bound. */
  private afterFrame(): void {
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

  private async process(
    h: Smb2Header,
    msg: Buffer,
    related: boolean,
    compound: CompoundState,
    last: boolean,
    slot: FrameSlot,
    sealed: Session | null,
  ): Promise<OutMessage | null> {
    if (h.Command === SMB2_CANCEL) {
      this.cancel(h, msg);
      return null;
    }
    const started = performance.now();
    const spec = COMMANDS[h.Command];
    const sessionId = related ? compound.sessionId : h.SessionId;
    const treeId = related ? compound.treeId : h.TreeId;
    const req = new SmbRequest(
      this,
      this.server,
      { ...h, SessionId: sessionId, TreeId: treeId },
      msg,
      related,
      compound,
      last,
    );
    req.frameSlot = slot;
    req.sealed = sealed;
    let reply: Reply;
    let signKey: Buffer | null = null;
    let handled = false;
    try {
      if (!spec) throw new SmbError(STATUS_INVALID_PARAMETER, `command ${h.Command}`);
      if (!this.negotiated && h.Command !== SMB2_NEGOTIATE) throw new SmbError(STATUS_INVALID_PARAMETER);
      checkStructureSize(spec, msg);
      checkRelated(req, this.sessions);
      if (spec.needsSession) signKey = bindSession(this.sessions, this.dialect, req, msg);
      else if (h.Command === SMB2_SESSION_SETUP)
        signKey = reauthKey(this.sessions, this.dialect, req, msg) ?? foreignSessionKey(req);
      if (spec.needsTree) {
        const tree = req.session!.trees.get(treeId);
        if (!tree) throw new SmbError(STATUS_NETWORK_NAME_DELETED);
        req.tree = tree;
      }
      checkEncrypted(req);
      handled = true;
      reply = await onTree(spec, req).handle(req);
    } catch (e) {
      const status = ntStatusOf(e);
      this.server.ctx.logger.debug(
        { command: spec?.name, status: status.toString(16), err: e instanceof Error ? e.message : String(e) },
        "smb: error reply",
      );
      if (!(e instanceof SmbError) && !(e instanceof Error && e.name === "FsError")) {
        this.server.ctx.logger.error({ err: e, command: spec?.name }, "smb: handler failed");
      }
      reply = { status, body: ERROR_BODY };
    }
    const status = reply.status ?? 0;
    this.record(spec?.name ?? `cmd${h.Command}`, h, status, started);
    // Samba's compound_create_err: only a CREATE that ran and failed poisons the chain.
    if (h.Command === SMB2_CREATE && handled && isErrorStatus(status)) compound.createStatus = status;
    compound.sessionId = reply.sessionId ?? (this.sessions.has(sessionId) ? sessionId : 0n);
    compound.treeId = reply.treeId ?? (req.tree ? treeId : 0);
    const sign = sealed ? null : (reply.signWith ?? (this.shouldSign(req, h) ? signKey : null));
    return this.buildResponse(req, reply, sign);
  }

  /** Trace log and per-command metrics of one reply. */
  private record(command: string, h: Smb2Header, status: number, started: number): void {
    const elapsedMs = performance.now() - started;
    if (this.server.ctx.logger.isLevelEnabled("trace")) {
      this.server.ctx.logger.trace(
        { command, mid: String(h.MessageId), status: status.toString(16), elapsedMs },
        "smb: reply",
      );
    }
    const ok = !isErrorStatus(status) || status === STATUS_MORE_PROCESSING_REQUIRED;
    this.server.ctx.metrics.observe("smb", command, elapsedMs, ok);
  }

  private shouldSign(req: SmbRequest, h: Smb2Header): boolean {
    return (h.Flags & SMB2_FLAGS_SIGNED) !== 0 || req.session?.signingRequired === true;
  }

  private buildResponse(req: SmbRequest, reply: Reply, signKey: Buffer | null): OutMessage {
    const h = req.header;
    const status = reply.status ?? 0;
    let flags = SMB2_FLAGS_SERVER_TO_REDIR | (req.related ? SMB2_FLAGS_RELATED_OPERATIONS : 0);
    let credits: number;
    let asyncId = 0n;
    if (req.asyncId !== null) {
      flags |= SMB2_FLAGS_ASYNC_COMMAND;
      asyncId = req.asyncId;
      credits = 0; // granted with the interim response
      this.pending.delete(req.asyncId);
    } else {
      credits = this.creditWindow.grant(this.dialect, h.CreditCharge, h.Credits);
    }
    if (signKey) flags |= SMB2_FLAGS_SIGNED;
    const header = encodeHeader({
      CreditCharge: h.CreditCharge,
      Status: status,
      Command: h.Command,
      Credits: credits,
      Flags: flags,
      NextCommand: 0,
      MessageId: h.MessageId,
      TreeId: reply.treeId ?? h.TreeId,
      AsyncId: asyncId,
      SessionId: reply.sessionId ?? h.SessionId,
      Signature: Buffer.alloc(16),
    });
    let body = reply.body;
    // Odd StructureSize with an empty dynamic part still needs its one byte (§2.2 conventions).
    const structure = body.length >= 2 ? body.readUInt16LE(0) : 0;
    if (structure & 1 && body.length < structure && !reply.data)
      body = Buffer.concat([body, Buffer.alloc(1)]);
    const parts = [header, body];
    if (reply.data && reply.data.length > 0) parts.push(reply.data);
    reply.onBuilt?.(Buffer.concat(parts));
    return { parts, signKey };
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

  private sendChain(out: OutMessage[], sealed: Session | null = null): void {
    if (!this.closed) this.writer.sendChain(this.dialect, out, sealer(sealed));
  }

  /** Interim response and pending registration for `req` (§3.3.4.2). */
  goAsync(req: SmbRequest): AbortSignal | null {
    if (this.pending.size >= MAX_PENDING_ASYNC) return null;
    const asyncId = this.nextAsync++;
    const controller = new AbortController();
    this.pending.set(asyncId, {
      controller,
      messageId: req.header.MessageId,
      sessionId: req.header.SessionId,
    });
    const h = req.header;
    const header = encodeHeader({
      CreditCharge: h.CreditCharge,
      Status: STATUS_PENDING,
      Command: h.Command,
      Credits: this.creditWindow.grant(this.dialect, h.CreditCharge, h.Credits),
      Flags: SMB2_FLAGS_SERVER_TO_REDIR | SMB2_FLAGS_ASYNC_COMMAND,
      NextCommand: 0,
      MessageId: h.MessageId,
      TreeId: 0,
      AsyncId: asyncId,
      SessionId: h.SessionId,
      Signature: Buffer.alloc(16),
    });
    req.asyncId = asyncId;
    if (req.frameSlot) this.intake.release(req.frameSlot);
    // The last command of a compound: the replies before it go out now, chained ahead of the
    // interim response (§3.3.4.2), and its final reply later on its own.
    const interim: OutMessage = { parts: [header, ERROR_BODY], signKey: null };
    this.sendChain([...req.compound.out.splice(0), interim], req.sealed);
    return controller.signal;
  }

  /**
   * §3.3.5.16 CANCEL: no response of its own; the cancelled request answers STATUS_CANCELLED.
   * A request that went async is found by the AsyncId field whatever the CANCEL's own flags
   * (Samba's client sends it without SMB2_FLAGS_ASYNC_COMMAND and MessageId 0), else by MessageId.
   */
  private cancel(h: Smb2Header, msg: Buffer): void {
    const asyncId = msg.readBigUInt64LE(32);
    for (const [id, p] of this.pending) {
      const hit = id === asyncId || (!(h.Flags & SMB2_FLAGS_ASYNC_COMMAND) && p.messageId === h.MessageId);
      if (hit) p.controller.abort(new SmbError(STATUS_CANCELLED));
    }
  }

  /** Closes every open of a session (LOGOFF, teardown). */
  async closeSessionOpens(session: Session, tree?: number): Promise<void> {
    for (const open of [...this.opens.values()]) {
      if (open.session !== session || (tree !== undefined && open.tree.id !== tree)) continue;
      await closeOpen(this, open).catch(() => undefined);
    }
  }

  private async teardown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.intake.stop();
    try {
      for (const p of this.pending.values()) p.controller.abort(new SmbError(STATUS_CANCELLED));
      for (const s of this.sessions.values()) await this.closeSessionOpens(s);
      // An open registered while the loop above awaited (CREATE refuses on a closed connection;
      // this is the backstop) would otherwise keep its share mode and handle forever.
      for (const open of [...this.opens.values()]) await closeOpen(this, open).catch(() => undefined);
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

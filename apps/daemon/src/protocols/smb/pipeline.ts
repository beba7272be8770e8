/**
 * The request pipeline of one connection: a received frame is decrypted (§3.3.5.2.1.1), split
 * into its compound chain (§3.3.5.2.7), and each command checked (session, tree, signing,
 * encryption), dispatched (COMMANDS, or the IPC$ pipes' IPC_COMMANDS) and answered with credits
 * (§3.3.1.2). Async interim responses (§3.3.4.2) and CANCEL (§3.3.5.16) live here too. The socket,
 * the session and open tables and teardown stay on SmbConnection (connection.ts).
 */
import type { BadFrameLog } from "../transport/bad-frames.ts";
import { SMB2_TRANSFORM_PROTOCOL_ID } from "./auth/encryption.ts";
import { type SigningKey, signMessage } from "./auth/signing.ts";
import { CreditWindow, splitChain } from "./chain.ts";
import { releaseChannelSequence } from "./channel-sequence.ts";
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
import { decodeHeader, encodeHeader, type Smb2Header } from "./header.ts";
import { type FrameSlot, readLengthAt } from "./intake.ts";
import { IPC_COMMANDS } from "./ipc.ts";
import { MAX_PENDING_ASYNC } from "./limits.ts";
import {
  isErrorStatus,
  STATUS_CANCELLED,
  STATUS_INSUFFICIENT_RESOURCES,
  STATUS_INVALID_PARAMETER,
  STATUS_MORE_PROCESSING_REQUIRED,
  STATUS_NETWORK_NAME_DELETED,
  STATUS_PENDING,
} from "./ntstatus.ts";
import { dropHeld, type OutMessage } from "./reply-writer.ts";
import { type CommandSpec, type CompoundState, newCompound, type Reply, SmbRequest } from "./request.ts";
import {
  bindSession,
  checkRelated,
  checkStructureSize,
  foreignSessionKey,
  reauthKey,
} from "./request-checks.ts";
import { checkEncrypted, unseal } from "./sealing.ts";
import type { Session, SmbConnectionPort } from "./state.ts";
import { ntStatusOf, SmbError } from "./status.ts";

/** §2.2.2 SMB2 ERROR response body with no error data. */
const ERROR_BODY = Buffer.from([9, 0, 0, 0, 0, 0, 0, 0, 0]);

/** Response bytes counted for a command besides its READ data (headers and bodies are small). */
const SMALL_RESPONSE_BYTES = 1024;

interface Pending {
  controller: AbortController;
  messageId: bigint;
  sessionId: bigint;
}

/** The limits and log the pipeline uses (SmbConnectionShared, connection.ts). */
export interface PipelineShared {
  intake: { frameBytes: number };
  badFrames: BadFrameLog;
  /** Most response bytes one compound may produce (§3.3.5.2.7); commands beyond it are refused. */
  maxCompoundResponseBytes: number;
}

/** What the pipeline needs of its connection besides the commands' port. */
export interface PipelineHost extends SmbConnectionPort {
  /** The guard's per-client key, for the bad-frame log. */
  readonly address: string;
  /** Logs a bad frame and closes the connection. */
  fail(e: unknown, msg: string): void;
  /**
   * Sends a compound's replies in one frame, encrypted for `sealed` when given; `compound`: they
   * answer a compound request (its last reply is padded too, reply-writer.ts).
   */
  sendChain(out: OutMessage[], sealed: Session | null, compound?: boolean): void;
  /** The frame stops counting as in flight (its last command went async). */
  releaseFrame(slot: FrameSlot): void;
  /** Runs after each frame's commands (handshake and authentication bookkeeping). */
  afterFrame(): void;
}

/** The IPC$ tree's named pipes answer CREATE, READ, WRITE, IOCTL and CLOSE themselves (ipc.ts). */
function onTree(spec: CommandSpec, req: SmbRequest): CommandSpec {
  return (req.tree?.ipc && IPC_COMMANDS[req.header.Command]) || spec;
}

/**
 * Aborts a pending request's signal on the next microtask: a CANCEL can be read while the request
 * is inside goAsync (releasing its frame slot lets the next frame in), before its handler has
 * attached the abort listener goAsync's caller attaches right after it returns.
 */
function abortSoon(controller: AbortController): void {
  queueMicrotask(() => controller.abort(new SmbError(STATUS_CANCELLED)));
}

/** CANCELs remembered for requests not yet async (RequestPipeline.cancelledEarly). */
export const MAX_EARLY_CANCELS = 64;

export class RequestPipeline {
  private nextAsync = 1n;
  private readonly pending = new Map<bigint, Pending>();
  /**
   * MessageIds a CANCEL named while their request was still running and not yet async: that
   * request is cancelled as soon as it goes async (Samba's client cancels a CHANGE_NOTIFY right
   * after sending it, smbtorture smb2.notify.tcon). Bounded: MessageIds are never reused.
   */
  private readonly cancelledEarly = new Set<bigint>();
  private readonly creditWindow = new CreditWindow();

  constructor(
    private readonly conn: PipelineHost,
    private readonly shared: PipelineShared,
  ) {}

  /** Async requests not yet answered. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Teardown: every pending async request ends STATUS_CANCELLED, but those of the `keep` sessions. */
  cancelAll(keep: ReadonlySet<bigint> = new Set()): void {
    for (const p of this.pending.values()) {
      if (!keep.has(p.sessionId)) p.controller.abort(new SmbError(STATUS_CANCELLED));
    }
  }

  async handleFrame(received: Buffer, slot: FrameSlot): Promise<void> {
    const conn = this.conn;
    let frame = received;
    let sealed: Session | null = null;
    if (frame.length >= 4 && frame.readUInt32LE(0) === SMB2_TRANSFORM_PROTOCOL_ID) {
      try {
        const opened = unseal(conn.sessions, frame, this.shared.intake.frameBytes);
        frame = opened.plain;
        sealed = opened.session;
      } catch (e) {
        conn.fail(e, "smb: bad encrypted frame, closing");
        return;
      }
    }
    if (frame.length >= 4 && frame.readUInt32LE(0) !== SMB2_PROTOCOL_ID) {
      // SMB1 (or garbage): this server speaks SMB2 only; clients that start with an SMB1
      // multi-protocol NEGOTIATE are configured with `client min protocol = SMB2`.
      this.shared.badFrames.badFrame(conn.address, "not-smb2");
      conn.close();
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
        dropHeld(compound.out);
        conn.fail(
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
    conn.afterFrame();
    if (compound.out.length > 0) conn.sendChain(compound.out, sealed, msgs.length > 1);
  }

  /** A compound command past the response bound: STATUS_INSUFFICIENT_RESOURCES, not run. */
  private refuse(h: Smb2Header, msg: Buffer, related: boolean, compound: CompoundState): OutMessage {
    const req = new SmbRequest(this.conn, this.conn.server, h, msg, related, compound, false);
    return this.buildResponse(req, { status: STATUS_INSUFFICIENT_RESOURCES, body: ERROR_BODY }, null);
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
    const conn = this.conn;
    const started = performance.now();
    const spec = COMMANDS[h.Command];
    const sessionId = related ? compound.sessionId : h.SessionId;
    const treeId = related ? compound.treeId : h.TreeId;
    const header = { ...h, SessionId: sessionId, TreeId: treeId };
    const req = new SmbRequest(conn, conn.server, header, msg, related, compound, last);
    req.frameSlot = slot;
    req.sealed = sealed;
    let reply: Reply;
    let handled = false;
    try {
      if (!spec) throw new SmbError(STATUS_INVALID_PARAMETER, `command ${h.Command}`);
      if (!conn.negotiated && h.Command !== SMB2_NEGOTIATE) throw new SmbError(STATUS_INVALID_PARAMETER);
      checkStructureSize(spec, msg);
      checkRelated(req, conn.sessions);
      if (spec.needsSession) bindSession(conn.sessions, req, msg);
      else if (h.Command === SMB2_SESSION_SETUP && !reauthKey(conn.sessions, req, msg))
        req.signKey = foreignSessionKey(req);
      if (spec.needsTree) {
        const tree = req.session!.trees.get(treeId);
        if (!tree) throw new SmbError(STATUS_NETWORK_NAME_DELETED);
        req.tree = tree;
      }
      checkEncrypted(req);
      handled = true;
      reply = await onTree(spec, req).handle(req);
    } catch (e) {
      reply = { status: this.errorStatus(e, spec?.name), body: ERROR_BODY };
    }
    const status = reply.status ?? 0;
    this.record(spec?.name ?? `cmd${h.Command}`, h, status, started);
    // Samba's compound_create_err: only a CREATE that ran and failed poisons the chain.
    if (h.Command === SMB2_CREATE && handled && isErrorStatus(status)) compound.createStatus = status;
    compound.sessionId = reply.sessionId ?? (conn.sessions.has(sessionId) ? sessionId : 0n);
    compound.treeId = reply.treeId ?? (req.tree ? treeId : 0);
    const sign = sealed ? null : (reply.signWith ?? (this.shouldSign(req, h) ? req.signKey : null));
    return this.buildResponse(req, reply, sign);
  }

  /** The status a failed command answers; anything but an SMB or file-service error is logged as a bug. */
  private errorStatus(e: unknown, command: string | undefined): number {
    const status = ntStatusOf(e);
    const logger = this.conn.server.ctx.logger;
    logger.debug(
      { command, status: status.toString(16), err: e instanceof Error ? e.message : String(e) },
      "smb: error reply",
    );
    if (!(e instanceof SmbError) && !(e instanceof Error && e.name === "FsError")) {
      logger.error({ err: e, command }, "smb: handler failed");
    }
    return status;
  }

  /** Trace log and per-command metrics of one reply. */
  private record(command: string, h: Smb2Header, status: number, started: number): void {
    const elapsedMs = performance.now() - started;
    const ctx = this.conn.server.ctx;
    if (ctx.logger.isLevelEnabled("trace")) {
      ctx.logger.trace(
        { command, mid: String(h.MessageId), status: status.toString(16), elapsedMs },
        "smb: reply",
      );
    }
    const ok = !isErrorStatus(status) || status === STATUS_MORE_PROCESSING_REQUIRED;
    ctx.metrics.observe("smb", command, elapsedMs, ok);
  }

  private shouldSign(req: SmbRequest, h: Smb2Header): boolean {
    return (h.Flags & SMB2_FLAGS_SIGNED) !== 0 || req.session?.signingRequired === true;
  }

  private buildResponse(req: SmbRequest, reply: Reply, signKey: SigningKey | null): OutMessage {
    releaseChannelSequence(req);
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
      credits = this.creditWindow.grant(this.conn.dialect, h.CreditCharge, h.Credits, grantsMore(h, status));
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
    const data = reply.data;
    if (Buffer.isBuffer(data)) {
      if (data.length > 0) parts.push(data);
    } else if (data !== undefined) {
      for (const d of data) if (d.length > 0) parts.push(d);
    }
    if (reply.onBuilt) {
      // The preauth hash covers the bytes the client receives: a signed reply (a bind's
      // CHALLENGE leg, session-bind.ts) with its signature (ReplyWriter signs it again, unchanged).
      if (signKey) signMessage(signKey, parts);
      reply.onBuilt(Buffer.concat(parts));
    }
    return reply.held === undefined ? { parts, signKey } : { parts, signKey, held: reply.held };
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
      Credits: this.creditWindow.grant(
        this.conn.dialect,
        h.CreditCharge,
        h.Credits,
        grantsMore(h, STATUS_PENDING),
      ),
      Flags: SMB2_FLAGS_SERVER_TO_REDIR | SMB2_FLAGS_ASYNC_COMMAND,
      NextCommand: 0,
      MessageId: h.MessageId,
      TreeId: 0,
      AsyncId: asyncId,
      SessionId: h.SessionId,
      Signature: Buffer.alloc(16),
    });
    req.asyncId = asyncId;
    // The handler attaches its abort listener right after this returns.
    if (this.cancelledEarly.delete(h.MessageId)) abortSoon(controller);
    if (req.frameSlot) this.conn.releaseFrame(req.frameSlot);
    // The last command of a compound: the replies before it go out now, chained ahead of the
    // interim response (§3.3.4.2), and its final reply later on its own.
    const interim: OutMessage = { parts: [header, ERROR_BODY], signKey: null };
    this.conn.sendChain([...req.compound.out.splice(0), interim], req.sealed);
    return controller.signal;
  }

  /**
   * §3.3.5.16 CANCEL: no response of its own; the cancelled request answers STATUS_CANCELLED.
   * A request that went async is found by the AsyncId field whatever the CANCEL's own flags
   * (Samba's client sends it without SMB2_FLAGS_ASYNC_COMMAND and MessageId 0), else by MessageId.
   */
  private cancel(h: Smb2Header, msg: Buffer): void {
    const asyncId = msg.readBigUInt64LE(32);
    let found = false;
    for (const [id, p] of this.pending) {
      const hit = id === asyncId || (!(h.Flags & SMB2_FLAGS_ASYNC_COMMAND) && p.messageId === h.MessageId);
      if (hit) abortSoon(p.controller);
      found ||= hit;
    }
    if (found || h.Flags & SMB2_FLAGS_ASYNC_COMMAND) return;
    if (this.cancelledEarly.size >= MAX_EARLY_CANCELS) {
      this.cancelledEarly.delete(this.cancelledEarly.values().next().value!);
    }
    this.cancelledEarly.add(h.MessageId);
  }
}

/** Whether a reply grants credits beyond its charge: not NEGOTIATE, nor SESSION_SETUP until it succeeds (as Samba). */
function grantsMore(h: Smb2Header, status: number): boolean {
  if (h.Command === SMB2_NEGOTIATE) return false;
  return h.Command !== SMB2_SESSION_SETUP || status === 0;
}

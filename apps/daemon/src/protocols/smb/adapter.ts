/**
 * The SMB2/3 protocol adapter: a TCP listener whose connections speak SMB2 over direct TCP.
 * Settings: host, port (default 12445), `signingRequired` (bool), `encryptionRequired` (bool: every
 * session and tree must encrypt, Samba's `server smb encrypt = required`), `encryptedShares`
 * (share names whose trees must encrypt, Samba's per-share `smb encrypt = required`), `serverName`,
 * `maxOutstandingReadBytes`, `crossProtocolBreakWaitMs` (oplock-gate.ts), `writeTimeUpdateDelayMs`
 * (write-time.ts), and the connection limits of transport/limits.ts (`maxConnections`,
 * `maxConnectionsPerClient`, `handshakeTimeoutMs`, `idleTimeoutMs`, `frameTimeoutMs`). A bad value
 * refuses the settings with an error naming the key. Everything else comes from the AdapterContext.
 */
import { randomBytes } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import { adapterLimit } from "@dittofs/shared";
import { BufferPool } from "../../domain/buffer-pool.ts";
import type { AdapterContext, AdapterFactory, AdapterSettings, ProtocolAdapter } from "../adapter.ts";
import { BadFrameLog } from "../transport/bad-frames.ts";
import { ByteBudget } from "../transport/budget.ts";
import { ConnectionGuard } from "../transport/guard.ts";
import { parseTransportLimits, type TransportLimits } from "../transport/limits.ts";
import { SmbConnection, type SmbConnectionShared } from "./connection.ts";
import { dirLeaseListener } from "./dir-leases.ts";
import { MAX_FRAME_BYTES } from "./framing.ts";
import type { SmbConfig } from "./limits.ts";
import { notifyListener } from "./notify.ts";
import { smbChangeGate } from "./oplock-gate.ts";
import { SmbServerState } from "./state.ts";

export const DEFAULT_SMB_PORT = 12445;
/** 8 MiB READ/WRITE: 128 credits each with LARGE_MTU; the frame bound leaves room for headers. */
export const MAX_IO_BYTES = 8 * 1024 * 1024;
/**
 * Frames before a session is authenticated: NEGOTIATE and SESSION_SETUP (NTLMSSP is a few hundred
 * bytes; a Kerberos ticket with a large PAC stays under Windows' 48,000-byte MaxTokenSize).
 */
export const MAX_PREAUTH_FRAME_BYTES = 64 * 1024;

export interface SmbLimits {
  transport: TransportLimits;
  /** READ bytes requested and not yet answered on one connection. */
  maxOutstandingReadBytes: number;
}

export function parseSmbLimits(settings: AdapterSettings): SmbLimits {
  return {
    transport: parseTransportLimits("smb", settings),
    maxOutstandingReadBytes: adapterLimit("smb", "maxOutstandingReadBytes", settings),
  };
}

function boolSetting(settings: AdapterSettings, key: string): boolean {
  const v = settings[key];
  if (v !== undefined && typeof v !== "boolean")
    throw new Error(`smb setting ${key}: expected true or false`);
  return v === true;
}

/** `encryptedShares`: share names ("/export" or "export"), compared as TREE_CONNECT names are. */
function encryptedShares(settings: AdapterSettings): Set<string> {
  const v = settings.encryptedShares;
  if (v === undefined) return new Set();
  if (!Array.isArray(v) || !v.every((s) => typeof s === "string" && s.length > 0)) {
    throw new Error("smb setting encryptedShares: expected a list of share names");
  }
  return new Set(v.map((s: string) => s.replace(/^\/+/, "").toLowerCase()));
}

export function smbConfigFrom(settings: AdapterSettings): SmbConfig {
  return {
    serverName: typeof settings.serverName === "string" ? settings.serverName : "DITTOFS",
    signingRequired: settings.signingRequired === true,
    encryptionRequired: boolSetting(settings, "encryptionRequired"),
    encryptedShares: encryptedShares(settings),
    crossProtocolBreakWaitMs: adapterLimit("smb", "crossProtocolBreakWaitMs", settings),
    writeTimeUpdateDelayMs: adapterLimit("smb", "writeTimeUpdateDelayMs", settings),
    maxTransactBytes: Math.min(MAX_IO_BYTES, MAX_FRAME_BYTES - 4096),
    maxReadBytes: MAX_IO_BYTES,
    maxWriteBytes: MAX_IO_BYTES,
    serverGuid: randomBytes(16),
    startTime: new Date(),
  };
}

class SmbAdapter implements ProtocolAdapter {
  readonly protocol = "smb";
  private boundPort = 0;
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly state: SmbServerState;
  private readonly guard: ConnectionGuard;
  private readonly shared: SmbConnectionShared;
  private removeGate: (() => void) | null = null;
  private removeListener: (() => void) | null = null;
  private removeDirLeases: (() => void) | null = null;

  constructor(
    private readonly settings: AdapterSettings,
    ctx: AdapterContext,
  ) {
    const limits = parseSmbLimits(settings);
    this.state = new SmbServerState(ctx, smbConfigFrom(settings));
    const badFrames = new BadFrameLog("smb", ctx.logger, ctx.metrics);
    this.guard = new ConnectionGuard(limits.transport, ctx.logger, (reason) => badFrames.closed(reason));
    const maxCompoundResponseBytes = MAX_IO_BYTES + 64 * 1024;
    this.shared = {
      intake: {
        budget: ctx.bufferBudget ?? new ByteBudget(),
        pool: ctx.receivePool ?? new BufferPool(),
        preauthFrameBytes: MAX_PREAUTH_FRAME_BYTES,
        frameBytes: MAX_FRAME_BYTES,
        maxOutstandingReadBytes: limits.maxOutstandingReadBytes,
        maxFrameReadCharge: maxCompoundResponseBytes,
      },
      badFrames,
      maxCompoundResponseBytes,
    };
  }

  get port(): number {
    return this.boundPort;
  }

  async serve(): Promise<void> {
    // Paused: SmbConnection moves the handle to a socket that reads into its own buffers.
    const server = createServer({ pauseOnConnect: true }, (socket) => this.accept(socket));
    // Other protocols' changes break SMB oplocks and leases first (oplock-gate.ts).
    this.removeGate ??= this.state.ctx.files.addChangeGate(smbChangeGate(this.state));
    // Directory changes from every protocol feed CHANGE_NOTIFY (notify.ts).
    this.removeListener ??= this.state.ctx.files.addDirChangeListener(notifyListener(this.state));
    // ... and break directory leases (dir-leases.ts).
    this.removeDirLeases ??= this.state.ctx.files.addDirChangeListener(dirLeaseListener(this.state));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.settings.port ?? DEFAULT_SMB_PORT, this.settings.host ?? "0.0.0.0", () => {
        server.off("error", reject);
        resolve();
      });
    });
    // After listen, an accept failure (EMFILE, ENFILE) is an 'error' event: unheard, it would be
    // an uncaught exception that stops the daemon.
    server.on("error", (err) => this.state.ctx.logger.error({ err }, "smb: listener error"));
    const addr = server.address();
    this.boundPort = typeof addr === "object" && addr ? addr.port : 0;
    this.state.ctx.logger.info({ port: this.boundPort }, "smb: listening");
  }

  private accept(socket: Socket): void {
    socket.on("error", () => socket.destroy());
    if (socket.destroyed) return; // reset right after accept: no handle left to read from
    if (!this.guard.admit(socket.remoteAddress ?? "?")) {
      socket.destroy();
      return;
    }
    try {
      const conn = new SmbConnection(this.state, socket, this.shared);
      const live = conn.socket;
      this.sockets.add(live);
      this.guard.add(conn);
      live.on("close", () => {
        this.sockets.delete(live);
        this.guard.remove(conn);
      });
    } catch (err) {
      this.state.ctx.logger.error({ err }, "smb: connection setup failed");
      socket.destroy();
    }
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    this.removeGate?.();
    this.removeGate = null;
    this.removeListener?.();
    this.removeListener = null;
    this.removeDirLeases?.();
    this.removeDirLeases = null;
    this.state.stopModified?.();
    this.state.stopModified = null;
    this.guard.stop();
    if (!server) return;
    // The listener does not count connections (their handles moved to sockets reading into the
    // intake's buffers, transport/read-into.ts): wait for the sockets themselves.
    const closed = Promise.all([
      new Promise<void>((resolve) => server.close(() => resolve())),
      ...[...this.sockets].map((s) => new Promise<void>((resolve) => s.once("close", () => resolve()))),
    ]);
    for (const s of this.sockets) s.end();
    const deadline = setTimeout(() => {
      for (const s of this.sockets) s.destroy();
    }, 2000);
    await closed;
    clearTimeout(deadline);
  }

  connectionCount(): number {
    return this.sockets.size;
  }
}

export const createSmbAdapter: AdapterFactory = (settings, ctx) => new SmbAdapter(settings, ctx);

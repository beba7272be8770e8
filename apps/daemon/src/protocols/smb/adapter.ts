/**
 * The SMB2/3 protocol adapter: a TCP listener whose connections speak SMB2 over direct TCP.
 * Settings: host, port (default 12445), `signingRequired` (bool), `serverName`,
 * `maxConnections`. Everything else comes from the AdapterContext.
 */
import { randomBytes } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import type { AdapterContext, AdapterFactory, AdapterSettings, ProtocolAdapter } from "../adapter.ts";
import { SmbConnection } from "./connection.ts";
import { MAX_FRAME_BYTES } from "./framing.ts";
import { notifyListener } from "./notify.ts";
import { smbChangeGate } from "./oplock-gate.ts";
import { type SmbConfig, SmbServerState } from "./state.ts";

export const DEFAULT_SMB_PORT = 12445;
export const MAX_CONNECTIONS = 1024;
/** 8 MiB READ/WRITE: 128 credits each with LARGE_MTU; the frame bound leaves room for headers. */
export const MAX_IO_BYTES = 8 * 1024 * 1024;

export function smbConfigFrom(settings: AdapterSettings): SmbConfig {
  return {
    serverName: typeof settings.serverName === "string" ? settings.serverName : "DITTOFS",
    signingRequired: settings.signingRequired === true,
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
  private readonly maxConnections: number;
  private removeGate: (() => void) | null = null;
  private removeListener: (() => void) | null = null;

  constructor(
    private readonly settings: AdapterSettings,
    ctx: AdapterContext,
  ) {
    this.state = new SmbServerState(ctx, smbConfigFrom(settings));
    this.maxConnections =
      typeof settings.maxConnections === "number" ? settings.maxConnections : MAX_CONNECTIONS;
  }

  get port(): number {
    return this.boundPort;
  }

  async serve(): Promise<void> {
    const server = createServer((socket) => this.accept(socket));
    // Other protocols' changes break SMB oplocks and leases first (oplock-gate.ts).
    this.removeGate ??= this.state.ctx.metadata.addChangeGate?.(smbChangeGate(this.state)) ?? null;
    // Directory changes from every protocol feed CHANGE_NOTIFY (notify.ts).
    this.removeListener ??=
      this.state.ctx.metadata.addDirChangeListener?.(notifyListener(this.state)) ?? null;
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
    if (this.sockets.size >= this.maxConnections) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.on("close", () => this.sockets.delete(socket));
    try {
      new SmbConnection(this.state, socket);
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
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
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

/**
 * A TCP listener serving RPC programs through one dispatcher. Connection caps, handshake, frame
 * and idle deadlines come from the guard (transport/guard.ts); a graceful stop stops accepting,
 * lets calls in flight finish (up to a deadline), then closes connections.
 */
import { createServer, type Server, type Socket } from "node:net";
import type { Logger } from "pino";
import type { BufferPool } from "../../../domain/buffer-pool.ts";
import type { BadFrameLog } from "../../transport/bad-frames.ts";
import { ByteBudget } from "../../transport/budget.ts";
import { ConnectionGuard } from "../../transport/guard.ts";
import { NFS_TRANSPORT_DEFAULTS, type TransportLimits } from "../../transport/limits.ts";
import { type ConnectionLimits, DEFAULT_CONNECTION_LIMITS, RpcConnection } from "./connection.ts";
import type { RpcDispatcher } from "./dispatcher.ts";

const STOP_DRAIN_DEADLINE_MS = 5_000;

export interface RpcServerOptions {
  host: string;
  port: number;
  logger: Logger;
  /** Caps and deadlines; default NFS_TRANSPORT_DEFAULTS. */
  transport?: TransportLimits;
  limits?: ConnectionLimits;
  /** The global buffer budget shared with the daemon's other listeners; default a private one. */
  budget?: ByteBudget;
  /** Where big records are received (domain/buffer-pool.ts); none: fresh memory per record. */
  pool?: BufferPool;
  badFrames?: BadFrameLog;
  /** Hosts-allow gate: a peer this refuses is closed at accept, before any call is read. */
  admit?(address: string): boolean;
  onConnect?(socket: Socket): void;
  onDisconnect?(socket: Socket): void;
}

export class RpcServer {
  private server: Server | null = null;
  private readonly connections = new Set<RpcConnection>();
  private readonly guard: ConnectionGuard;
  private readonly budget: ByteBudget;
  private boundPort = 0;

  constructor(
    private readonly dispatcher: RpcDispatcher,
    private readonly opts: RpcServerOptions,
  ) {
    this.budget = opts.budget ?? new ByteBudget();
    this.guard = new ConnectionGuard(opts.transport ?? NFS_TRANSPORT_DEFAULTS, opts.logger, (reason) =>
      opts.badFrames?.closed(reason),
    );
  }

  get port(): number {
    return this.boundPort;
  }

  /** The listening socket while serving (tests inject listener faults through it). */
  get listener(): Server | null {
    return this.server;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  private accept(socket: Socket): void {
    // An error before the connection object exists (reset right after accept) must not be unheard.
    socket.on("error", () => socket.destroy());
    if (socket.destroyed) return; // reset right after accept: no handle left to read from
    if (this.opts.admit !== undefined && !this.opts.admit(socket.remoteAddress ?? "")) {
      socket.destroy();
      return;
    }
    if (!this.guard.admit(socket.remoteAddress ?? "?")) {
      socket.destroy();
      return;
    }
    const conn = new RpcConnection(
      socket,
      this.dispatcher,
      this.opts.logger,
      this.opts.limits ?? DEFAULT_CONNECTION_LIMITS,
      { budget: this.budget, badFrames: this.opts.badFrames, pool: this.opts.pool },
    );
    const live = conn.socket;
    this.connections.add(conn);
    this.guard.add(conn);
    this.opts.onConnect?.(live);
    live.on("close", () => {
      this.connections.delete(conn);
      this.guard.remove(conn);
      this.opts.onDisconnect?.(live);
    });
  }

  listen(): Promise<void> {
    // Paused: RpcConnection moves the handle to a socket that reads into its own buffers.
    const server = createServer({ pauseOnConnect: true }, (socket) => this.accept(socket));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.opts.port, this.opts.host, () => {
        server.off("error", reject);
        // After listen, an accept failure (EMFILE, ENFILE) is an 'error' event: unheard, it would
        // be an uncaught exception that stops the daemon.
        server.on("error", (err) => this.opts.logger.error({ err }, "rpc listener error"));
        const addr = server.address();
        this.boundPort = typeof addr === "object" && addr ? addr.port : this.opts.port;
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    this.guard.stop();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    const conns = [...this.connections];
    for (const c of conns) c.stopReading();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, STOP_DRAIN_DEADLINE_MS);
    });
    await Promise.race([Promise.all(conns.map((c) => c.idle())), deadline]);
    clearTimeout(timer);
    // Let replies of the last calls reach the socket before closing it.
    await new Promise((r) => setImmediate(r));
    for (const c of conns) c.close();
    await closed;
  }
}

/**
 * A TCP listener serving RPC programs through one dispatcher. Bounded connection count; a graceful
 * stop stops accepting, lets calls in flight finish (up to a deadline), then closes connections.
 */
import { createServer, type Server, type Socket } from "node:net";
import type { Logger } from "pino";
import { type ConnectionLimits, DEFAULT_CONNECTION_LIMITS, RpcConnection } from "./connection.ts";
import type { RpcDispatcher } from "./dispatcher.ts";

export const DEFAULT_MAX_CONNECTIONS = 1024;
const STOP_DRAIN_DEADLINE_MS = 5_000;

export interface RpcServerOptions {
  host: string;
  port: number;
  logger: Logger;
  maxConnections?: number;
  limits?: ConnectionLimits;
  onConnect?(socket: Socket): void;
  onDisconnect?(socket: Socket): void;
}

export class RpcServer {
  private server: Server | null = null;
  private readonly connections = new Set<RpcConnection>();
  private boundPort = 0;

  constructor(
    private readonly dispatcher: RpcDispatcher,
    private readonly opts: RpcServerOptions,
  ) {}

  get port(): number {
    return this.boundPort;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  listen(): Promise<void> {
    const max = this.opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    const server = createServer((socket) => {
      if (this.connections.size >= max) {
        this.opts.logger.warn({ max }, "rpc connection limit reached; refusing");
        socket.destroy();
        return;
      }
      const conn = new RpcConnection(
        socket,
        this.dispatcher,
        this.opts.logger,
        this.opts.limits ?? DEFAULT_CONNECTION_LIMITS,
      );
      this.connections.add(conn);
      this.opts.onConnect?.(socket);
      socket.on("close", () => {
        this.connections.delete(conn);
        this.opts.onDisconnect?.(socket);
      });
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.opts.port, this.opts.host, () => {
        server.off("error", reject);
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

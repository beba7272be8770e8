/**
 * The daemon's HTTP server (node:http): `/trpc/*` for the control plane, `/health` (liveness),
 * `/health/ready` (readiness) and `/metrics` (Prometheus text). Everything else is 404.
 * The server tracks its sockets so a graceful stop can close idle keep-alive connections and
 * end SSE subscriptions instead of waiting for clients to go away.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { NODE_VERSION } from "../runtime/version.ts";

export interface ReadinessCheck {
  name: string;
  ok: boolean;
  detail?: string;
}

export interface HttpServerDeps {
  logger: Logger;
  version: string;
  startedAt: Date;
  /** Which daemon answers, in /health (several may serve one share behind a load balancer). */
  daemon?: { id: string; name: string };
  /** Handles a request whose path starts with /trpc (the prefix is left on the URL). */
  trpc: (req: IncomingMessage, res: ServerResponse) => void;
  readiness: () => Promise<ReadinessCheck[]>;
  metricsRegistry: Registry;
  /** Slow-client deadlines; HTTP_TIMEOUT_DEFAULTS (tests shorten them). */
  timeouts?: HttpTimeouts;
}

export interface HttpTimeouts {
  /** Slow clients must not hold sockets open forever (headers) or stall a graceful stop. */
  headersMs: number;
  /**
   * The whole request (headers and body) must arrive within this. Node stops the clock once the
   * request is received, so long responses (SSE subscriptions) are not cut. Node requires it to
   * be at least headersMs.
   */
  requestMs: number;
  /** How often Node checks the two timeouts above on open connections. */
  checkIntervalMs: number;
}

export const HTTP_TIMEOUT_DEFAULTS: Readonly<HttpTimeouts> = {
  headersMs: 10_000,
  requestMs: 30_000,
  checkIntervalMs: 1_000,
};
/** Concurrent HTTP connections (API clients, console proxy, SSE subscribers, scrapers). */
export const HTTP_CONNECTIONS_MAX = 1024;
/** How long a graceful stop waits for in-flight requests before closing sockets anyway. */
export const HTTP_DRAIN_TIMEOUT_MS = 5_000;

export interface HttpServer {
  listen(host: string, port: number): Promise<string>;
  close(): Promise<void>;
  readonly url: string | null;
}

export function createHttpServer(deps: HttpServerDeps): HttpServer {
  const sockets = new Set<Socket>();
  const timeouts = deps.timeouts ?? HTTP_TIMEOUT_DEFAULTS;
  const server: Server = createServer({ connectionsCheckingInterval: timeouts.checkIntervalMs }, (req, res) =>
    route(deps, req, res),
  );
  server.headersTimeout = timeouts.headersMs;
  server.requestTimeout = timeouts.requestMs;
  server.maxConnections = HTTP_CONNECTIONS_MAX;
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  let url: string | null = null;

  return {
    get url() {
      return url;
    },
    listen(host, port) {
      return new Promise((resolve, reject) => {
        const fail = (err: Error) => reject(new Error(`cannot listen on ${host}:${port}: ${err.message}`));
        server.once("error", fail);
        server.listen(port, host, () => {
          server.off("error", fail);
          // After listen, an accept failure (EMFILE) is an 'error' event: unheard, it would stop the daemon.
          server.on("error", (err) => deps.logger.error({ err }, "http listener error"));
          const address = server.address();
          if (address === null || typeof address === "string") return reject(new Error("no address"));
          const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
          url = `http://${shownHost}:${address.port}`;
          resolve(url);
        });
      });
    },
    async close() {
      if (!server.listening) return;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => {
        for (const socket of sockets) socket.destroy();
      }, HTTP_DRAIN_TIMEOUT_MS);
      // SSE responses never finish on their own: end them now rather than at the timeout.
      for (const socket of sockets) {
        const pending = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage;
        if (pending?.getHeader("content-type")?.toString().startsWith("text/event-stream")) socket.destroy();
      }
      await closed;
      clearTimeout(timer);
      url = null;
    },
  };
}

function route(deps: HttpServerDeps, req: IncomingMessage, res: ServerResponse): void {
  const path = (req.url ?? "/").split("?")[0]!;
  if (path === "/trpc" || path.startsWith("/trpc/")) {
    deps.trpc(req, res);
    return;
  }
  const handler = ROUTES[path];
  if (handler === undefined || (req.method !== "GET" && req.method !== "HEAD")) {
    sendJson(res, handler === undefined ? 404 : 405, {
      error: handler === undefined ? "not found" : "method not allowed",
    });
    return;
  }
  handler(deps, res).catch((err: unknown) => {
    deps.logger.error({ err, path }, "http handler failed");
    if (!res.headersSent) sendJson(res, 500, { error: "internal error" });
    else res.end();
  });
}

type RouteHandler = (deps: HttpServerDeps, res: ServerResponse) => Promise<void>;

const ROUTES: Readonly<Record<string, RouteHandler>> = {
  "/health": async (deps, res) => {
    const uptime = (Date.now() - deps.startedAt.getTime()) / 1000;
    const daemon =
      deps.daemon === undefined ? {} : { daemon: { id: deps.daemon.id, name: deps.daemon.name } };
    sendJson(res, 200, { status: "ok", version: deps.version, node: NODE_VERSION, uptime, ...daemon });
  },
  "/health/ready": async (deps, res) => {
    const checks = await deps.readiness();
    const ok = checks.every((check) => check.ok);
    sendJson(res, ok ? 200 : 503, { status: ok ? "ready" : "not ready", checks });
  },
  "/metrics": async (deps, res) => {
    const body = await deps.metricsRegistry.metrics();
    res.writeHead(200, { "content-type": deps.metricsRegistry.contentType });
    res.end(body);
  },
};

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

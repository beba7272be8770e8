/**
 * The console's production server (`npm start`, the Playwright stack): Next's request handler
 * behind a plain node:http server, so the address the daemon's logon throttle and audit log see is
 * the browser's TCP peer. A Next route handler cannot see the socket, and `next start` keeps an
 * X-Forwarded-For the request brought, so here, before Next, the header is replaced by the socket's
 * remote address — or, with CONSOLE_TRUST_FORWARDED_FOR=1 (the console reachable only through a
 * reverse proxy that sets or appends it), the peer is appended to it as one more hop, which the
 * daemon believes only as far as `http.trustedProxies` lists the hops.
 *
 * Run with plain Node (type stripping): `node server.ts [--port 3000] [--hostname 127.0.0.1]`.
 */
import { createServer, type IncomingMessage } from "node:http";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import next from "next";

/** Tells the route handlers (lib/daemon-url.ts, same name) that X-Forwarded-For was set here. */
const PEER_FORWARDED_ENV = "DITTOFS_CONSOLE_PEER_FORWARDED";

/** The X-Forwarded-For Next should see: the TCP peer, after the proxy chain only when trusted. */
function peerForwardedFor(req: IncomingMessage, trustForwarded: boolean): string | undefined {
  const peer = req.socket.remoteAddress;
  if (peer === undefined) return undefined;
  const header = req.headers["x-forwarded-for"];
  const incoming = Array.isArray(header) ? header.join(", ") : header;
  return trustForwarded && incoming !== undefined && incoming.trim() !== "" ? `${incoming}, ${peer}` : peer;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { port: { type: "string", short: "p" }, hostname: { type: "string", short: "H" } },
  });
  const port = Number(values.port ?? process.env.PORT ?? 3000);
  const hostname = values.hostname ?? process.env.HOSTNAME ?? "127.0.0.1";
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port: "${values.port}" is not a port`);
  const trustForwarded = process.env.CONSOLE_TRUST_FORWARDED_FOR === "1";
  process.env[PEER_FORWARDED_ENV] = "1";

  const app = next({ dev: false, dir: dirname(fileURLToPath(import.meta.url)), hostname, port });
  const handle = app.getRequestHandler();
  await app.prepare();
  const server = createServer((req, res) => {
    const xff = peerForwardedFor(req, trustForwarded);
    if (xff === undefined) delete req.headers["x-forwarded-for"];
    else req.headers["x-forwarded-for"] = xff;
    handle(req, res).catch((err: unknown) => {
      console.error("console request failed:", err);
      if (!res.headersSent) res.statusCode = 500;
      res.end();
    });
  });
  // A listener error after listen (EMFILE on accept) is logged; the server keeps serving.
  server.on("error", (err) => console.error("console listener error:", err));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, hostname, () => {
      server.off("error", reject);
      resolve();
    });
  });
  console.log(`console listening on http://${hostname}:${port}`);
  for (const signal of ["SIGINT", "SIGTERM"] as const)
    process.on(signal, () => {
      server.close();
      void app.close().finally(() => process.exit(0));
    });
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

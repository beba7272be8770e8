/**
 * A trivial protocol adapter for tests only: a TCP server that answers each line with
 * `<share-count> <line>`, registers every connection as a client and records one metric per line.
 * It exercises the Runtime's adapter lifecycle (bind, port 0, connections, graceful stop) without
 * NFS or SMB.
 */
import { createServer, type Server, type Socket } from "node:net";
import type {
  AdapterContext,
  AdapterFactory,
  AdapterSettings,
  ProtocolAdapter,
} from "../../protocols/adapter.ts";

export const TEST_PROTOCOL = "test";

class TcpTestAdapter implements ProtocolAdapter {
  readonly protocol = TEST_PROTOCOL;
  #port: number;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();

  constructor(
    private readonly settings: AdapterSettings,
    private readonly ctx: AdapterContext,
  ) {
    this.#port = settings.port;
    this.#server = createServer((socket) => this.#accept(socket));
  }

  get port(): number {
    return this.#port;
  }

  serve(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(this.settings.port, this.settings.host, () => {
        this.#server.off("error", reject);
        const address = this.#server.address();
        if (address !== null && typeof address !== "string") this.#port = address.port;
        resolve();
      });
    });
  }

  async stop(): Promise<void> {
    if (!this.#server.listening) return;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const socket of this.#sockets) socket.end();
    await closed;
  }

  connectionCount(): number {
    return this.#sockets.size;
  }

  #accept(socket: Socket): void {
    this.#sockets.add(socket);
    const id = this.ctx.clients.add({
      protocol: TEST_PROTOCOL,
      address: socket.remoteAddress ?? "",
      share: null,
      user: null,
    });
    let buffered = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      buffered += chunk;
      let newline = buffered.indexOf("\n");
      while (newline >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        const started = performance.now();
        socket.write(`${this.ctx.shares.list().length} ${line}\n`);
        this.ctx.metrics.observe(TEST_PROTOCOL, "echo", performance.now() - started, line !== "fail");
        newline = buffered.indexOf("\n");
      }
    });
    socket.on("error", () => socket.destroy());
    socket.on("close", () => {
      this.#sockets.delete(socket);
      this.ctx.clients.remove(id);
    });
  }
}

/** Refuses a non-string `greeting` setting, to exercise settings validation. */
export const createTcpTestAdapter: AdapterFactory = (settings, ctx) => {
  if (settings.greeting !== undefined && typeof settings.greeting !== "string") {
    throw new TypeError("greeting must be a string");
  }
  return new TcpTestAdapter(settings, ctx);
};

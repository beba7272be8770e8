/**
 * When RpcConnection writes a reply: a lone call's reply goes to the socket as the call completes
 * (a round-trip bound client waits for exactly that write), replies of calls in flight together
 * go out together a tick later, in one corked write. A reply's bytes count against the memory
 * budget until the kernel has them: at once when write() took them all, else until written.
 */
import { connect, createServer, type Server, type Socket } from "node:net";
import { pino } from "pino";
import { afterEach, expect, it } from "vitest";
import { ByteBudget } from "../../transport/budget.ts";
import { RpcConnection } from "./connection.ts";
import type { Peer, RpcDispatcher } from "./dispatcher.ts";
import { encodeRecord } from "./record-marking.ts";

let server: Server | undefined;
let client: Socket | undefined;

afterEach(() => {
  client?.destroy();
  server?.close();
});

/**
 * A connection whose dispatcher answers each record with its own bytes once `release` is called,
 * and a log of socket writes and of the microtasks queued right after each release.
 */
async function setup(replyBytes = 0) {
  const log: string[] = [];
  const pending: (() => void)[] = [];
  const budget = new ByteBudget(1024 * 1024 * 1024);
  const dispatcher = {
    dispatch: (record: Buffer, _peer: Peer) =>
      new Promise<Buffer[]>((resolve) =>
        pending.push(() => resolve(replyBytes > 0 ? [Buffer.alloc(replyBytes)] : [record])),
      ),
  } as unknown as RpcDispatcher;
  const accepted = new Promise<RpcConnection>((res) => {
    server = createServer({ pauseOnConnect: true }, (s) => {
      const conn = new RpcConnection(s, dispatcher, pino({ level: "silent" }), undefined, { budget });
      const write = conn.socket.write.bind(conn.socket) as (...a: unknown[]) => boolean;
      conn.socket.write = ((...a: unknown[]) => {
        log.push("write");
        return write(...a);
      }) as typeof conn.socket.write;
      res(conn);
    });
  });
  await new Promise<void>((res) => server!.listen(0, "127.0.0.1", res));
  const port = (server!.address() as { port: number }).port;
  client = connect(port, "127.0.0.1");
  await accepted;
  const calls = async (n: number) => {
    for (let i = 0; i < n; i++) client!.write(encodeRecord(Buffer.from([0, 0, 0, i])));
    while (pending.length < n) await new Promise((r) => setTimeout(r, 5));
  };
  /** Completes every pending call in one macrotask, then queues a microtask that logs. */
  const release = () =>
    new Promise<void>((res) =>
      setImmediate(() => {
        for (const p of pending.splice(0)) p();
        queueMicrotask(() => log.push("after", `budget ${budget.usedBytes}`));
        setImmediate(res);
      }),
    );
  return { log, calls, release, budget, client: client! };
}

it("writes a lone call's reply as the call completes, not a tick later", async () => {
  const { log, calls, release } = await setup();
  await calls(1);
  await release();
  // The kernel took the reply during write(): its bytes are back in the budget in the same tick.
  expect(log).toEqual(["write", "after", "budget 0"]);
});

it("writes the replies of calls completing together after them, under one cork", async () => {
  const { log, calls, release } = await setup();
  await calls(3);
  await release();
  // Three replies, each its record mark and body copied into one buffer: three writes, one flush.
  expect(log).toEqual(["after", "budget 24", "write", "write", "write"]);
});

it("counts a reply the socket could not take at once until it is written", async () => {
  const reply = 32 * 1024 * 1024; // more than loopback's socket buffers hold
  const { calls, release, budget, client } = await setup(reply);
  client.pause();
  await calls(1);
  await release();
  // Still queued in the socket: what the peer has not taken stays counted.
  expect(budget.usedBytes).toBeGreaterThan(0);
  expect(budget.usedBytes).toBeLessThanOrEqual(reply + 4);
  let received = 0;
  client.on("data", (d: Buffer) => {
    received += d.length;
  });
  client.resume();
  while (received < reply + 4) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setImmediate(r));
  expect(budget.usedBytes).toBe(0);
});

/**
 * When RpcConnection writes a reply: a lone call's reply goes to the socket as the call completes
 * (a round-trip bound client waits for exactly that write), replies of calls in flight together
 * go out together a tick later, in one corked write.
 */
import { connect, createServer, type Server, type Socket } from "node:net";
import { pino } from "pino";
import { afterEach, expect, it } from "vitest";
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
async function setup() {
  const log: string[] = [];
  const pending: (() => void)[] = [];
  const dispatcher = {
    dispatch: (record: Buffer, _peer: Peer) =>
      new Promise<Buffer[]>((resolve) => pending.push(() => resolve([record]))),
  } as unknown as RpcDispatcher;
  const accepted = new Promise<RpcConnection>((res) => {
    server = createServer({ pauseOnConnect: true }, (s) => {
      const conn = new RpcConnection(s, dispatcher, pino({ level: "silent" }));
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
        queueMicrotask(() => log.push("after"));
        setImmediate(res);
      }),
    );
  return { log, calls, release };
}

it("writes a lone call's reply as the call completes, not a tick later", async () => {
  const { log, calls, release } = await setup();
  await calls(1);
  await release();
  expect(log).toEqual(["write", "after"]);
});

it("writes the replies of calls completing together after them, under one cork", async () => {
  const { log, calls, release } = await setup();
  await calls(3);
  await release();
  // Three replies, each its record mark and body copied into one buffer: three writes, one flush.
  expect(log).toEqual(["after", "write", "write", "write"]);
});

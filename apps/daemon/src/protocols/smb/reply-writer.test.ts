/**
 * ReplyWriter's budget accounting: a reply's bytes count until the kernel has them, at once when
 * the write took them all (no callback tick later), else until the peer read them.
 */
import { connect, createServer, type Server, type Socket } from "node:net";
import { afterEach, expect, it } from "vitest";
import { ByteBudget } from "../transport/budget.ts";
import { ReplyWriter } from "./reply-writer.ts";

let server: Server | undefined;
const sockets: Socket[] = [];

afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
  server?.close();
});

/** A connected pair on 127.0.0.1: the server side's writer and budget, and the peer. */
async function pair() {
  const accepted = new Promise<Socket>((res) => {
    server = createServer((s) => res(s));
  });
  await new Promise<void>((res) => server!.listen(0, "127.0.0.1", res));
  const peer = connect((server!.address() as { port: number }).port, "127.0.0.1");
  const socket = await accepted;
  sockets.push(peer, socket);
  const budget = new ByteBudget(1024 * 1024 * 1024);
  return { writer: new ReplyWriter(socket, budget), budget, peer };
}

it("gives a reply's bytes back to the budget in the tick it was written", async () => {
  const { writer, budget } = await pair();
  writer.write([Buffer.alloc(4), Buffer.alloc(60), Buffer.alloc(100)]);
  // The kernel took all 164 bytes during write(); before, they stayed counted until a later tick.
  expect(budget.usedBytes).toBe(0);
  expect(writer.pendingBytes).toBe(0);
});

it("counts a reply the peer does not read until it is read", async () => {
  const { writer, budget, peer } = await pair();
  const reply = 32 * 1024 * 1024; // more than loopback's socket buffers hold
  peer.pause();
  writer.write([Buffer.alloc(4), Buffer.alloc(reply)]);
  expect(budget.usedBytes).toBeGreaterThan(0);
  expect(budget.usedBytes).toBeLessThanOrEqual(reply + 4);
  let received = 0;
  peer.on("data", (d: Buffer) => {
    received += d.length;
  });
  peer.resume();
  while (received < reply + 4) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setImmediate(r));
  expect(budget.usedBytes).toBe(0);
  expect(writer.pendingBytes).toBe(0);
});

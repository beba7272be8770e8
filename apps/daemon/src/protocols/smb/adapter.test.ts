import { connect, type Server, type Socket } from "node:net";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { ALICE, type SmbHarness, startSmbHarness } from "./testing/harness.ts";
import { SmbTestClient } from "./testing/smb-client.ts";

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, "127.0.0.1", () => resolve(s));
    s.once("error", reject);
  });
}

/** Until `cond` holds; the failure path is the test's timeout. */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 20));
}

async function loginWorks(port: number): Promise<void> {
  const c = await SmbTestClient.login(port, ALICE.user, ALICE.password);
  c.close();
}

describe("SMB listener and pre-NEGOTIATE socket errors", () => {
  let h: SmbHarness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it("logs a listener error after listen (EMFILE at accept) and keeps accepting", async () => {
    const logged: Array<{ msg: string; err?: { code?: string } }> = [];
    const logger = pino({ level: "error" }, { write: (line: string) => logged.push(JSON.parse(line)) });
    h = await startSmbHarness({ logger });
    const server = (h.adapter as unknown as { server: Server }).server;
    // What libuv reports when accept() fails beyond its EMFILE reserve: unheard, an uncaught exception.
    for (const code of ["EMFILE", "ENFILE"])
      server.emit("error", Object.assign(new Error(`accept ${code}`), { code }));
    expect(logged.filter((l) => l.msg === "smb: listener error").map((l) => l.err?.code)).toEqual([
      "EMFILE",
      "ENFILE",
    ]);
    await loginWorks(h.port);
  });

  it("a server-side socket error before NEGOTIATE closes that connection only", async () => {
    h = await startSmbHarness();
    const idle = await open(h.port);
    const victim = await open(h.port);
    await until(() => h!.adapter.connectionCount() === 2);
    const sockets = (h.adapter as unknown as { sockets: Set<Socket> }).sockets;
    const local = victim.address() as { port: number };
    const serverSide = [...sockets].find((s) => s.remotePort === local.port)!;
    const closed = new Promise<void>((r) => victim.once("close", () => r()));
    victim.on("error", () => {});
    // As a peer's reset surfaces on a read: unheard, an uncaught exception that stops the daemon.
    serverSide.emit("error", Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }));
    await closed;
    await until(() => h!.adapter.connectionCount() === 1);
    expect(idle.destroyed).toBe(false);
    await loginWorks(h.port);
    idle.destroy();
  });
});

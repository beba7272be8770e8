/**
 * Slow HTTP clients on real sockets against an in-process daemon with short deadlines: a client
 * dripping its headers (slowloris) or going silent mid-headers is answered 408 and closed at the
 * headers timeout, one dripping its body at the request timeout, while an SSE subscription
 * (metrics.live) stays open well past both.
 */
import { request } from "node:http";
import { connect, type Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient } from "../cli/dfsctl/client.ts";
import { METRICS_LIVE_INTERVAL_MS } from "../control/api/routers/metrics/live.ts";
import type { Daemon } from "../daemon.ts";
import { daemonHarness, TEST_ADMIN_PASSWORD } from "../runtime/testing/daemon-harness.ts";
import type { HttpTimeouts } from "./server.ts";

const TIMEOUTS: HttpTimeouts = { headersMs: 500, requestMs: 1_000, checkIntervalMs: 100 };
/** One byte this often: each byte alone arrives well inside any per-read idle timer. */
const DRIP_MS = 50;
/** A slow client gives up after this many bytes (10 s): far past both deadlines above. */
const DRIP_BYTES = 200;

interface Outcome {
  /** The server closed the socket before the client ran out of bytes to drip. */
  closedByServer: boolean;
  received: string;
}

/** Connects, sends `head` at once, then drips `drip` one byte at a time (or waits silently). */
async function slowClient(port: number, head: string, drip: "byte" | "silent"): Promise<Outcome> {
  const socket: Socket = connect(port, "127.0.0.1");
  let received = "";
  let closed = false;
  socket.on("data", (chunk: Buffer) => {
    received += chunk.toString("latin1");
  });
  socket.on("error", () => {});
  socket.on("close", () => {
    closed = true;
  });
  await new Promise((resolve) => socket.once("connect", resolve));
  socket.write(head);
  for (let i = 0; i < DRIP_BYTES && !closed; i++) {
    await sleep(DRIP_MS);
    if (drip === "byte" && !closed) socket.write("a");
  }
  const closedByServer = closed;
  socket.destroy();
  return { closedByServer, received };
}

describe("slow HTTP clients", () => {
  const h = daemonHarness({ httpTimeouts: TIMEOUTS });
  let daemon: Daemon;
  let port: number;
  beforeAll(async () => {
    daemon = await h.start();
    port = Number(new URL(daemon.httpUrl).port);
  });
  afterAll(() => h.dispose());

  it("closes a client dripping its headers one byte at a time (slowloris) with 408", async () => {
    const out = await slowClient(port, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: ", "byte");
    expect(out.closedByServer).toBe(true);
    expect(out.received).toMatch(/^HTTP\/1\.1 408 /);
  });

  it("closes a client that stops mid-headers", async () => {
    const out = await slowClient(port, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n", "silent");
    expect(out.closedByServer).toBe(true);
    expect(out.received).toMatch(/^HTTP\/1\.1 408 /);
  });

  it("closes a client dripping its body at the request timeout", async () => {
    const head =
      "POST /trpc/auth.login HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
      `Content-Type: application/json\r\nContent-Length: ${DRIP_BYTES * 2}\r\n\r\n`;
    const out = await slowClient(port, head, "byte");
    expect(out.closedByServer).toBe(true);
    expect(out.received).toMatch(/^HTTP\/1\.1 408 /);
  });

  it("keeps an SSE subscription (metrics.live) open past both timeouts", async () => {
    const { token } = await apiClient(daemon.httpUrl, null).auth.login.mutate({
      username: "admin",
      password: TEST_ADMIN_PASSWORD,
    });
    // Open for at least 4 intervals: 4 s, four times the request timeout.
    const wanted = 5;
    expect((wanted - 1) * METRICS_LIVE_INTERVAL_MS).toBeGreaterThanOrEqual(4 * TIMEOUTS.requestMs);
    let stream = "";
    const events = () => stream.match(/^data: .*"timestamp"/gm)?.length ?? 0;
    let closed = false;
    const req = request(`${daemon.httpUrl}/trpc/metrics.live`, {
      headers: { accept: "text/event-stream", authorization: `Bearer ${token}` },
    });
    req.on("error", () => {});
    req.on("response", (res) => {
      expect(res.statusCode).toBe(200);
      expect(res.headers["content-type"]).toMatch(/^text\/event-stream/);
      res.on("data", (chunk: Buffer) => {
        stream += chunk.toString();
      });
      res.on("close", () => {
        closed = true;
      });
    });
    req.end();
    await expect
      .poll(() => (closed ? -1 : events()), { timeout: 20_000, interval: 100 })
      .toBeGreaterThanOrEqual(wanted);
    expect(closed).toBe(false);
    req.destroy();
  });
});

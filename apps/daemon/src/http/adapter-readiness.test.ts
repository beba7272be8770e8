/**
 * /health/ready over the real HTTP server with a real port collision: an enabled adapter whose
 * port is taken makes the daemon not ready (503, the reason in the body); an adapter the admin
 * stopped does not; once the port is free and the adapter started, the daemon is ready again.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { resolveConfig } from "../config/load.ts";
import { createDaemon, type Daemon } from "../daemon.ts";
import { adapterFactories } from "../runtime/adapter-registry.ts";
import { createTcpTestAdapter, TEST_PROTOCOL } from "../runtime/testing/tcp-test-adapter.ts";

interface Ready {
  status: string;
  checks: Array<{ name: string; ok: boolean; detail?: string }>;
}

async function ready(daemon: Daemon): Promise<{ code: number; body: Ready }> {
  const res = await fetch(`${daemon.httpUrl}/health/ready`);
  return { code: res.status, body: (await res.json()) as Ready };
}

function listenOnFreePort(): Promise<Server> {
  const server = createServer();
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

describe("readiness and adapters", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "dittofs-ready-"));
  let daemon: Daemon | null = null;
  let blocker: Server | null = null;
  afterAll(async () => {
    await daemon?.stop();
    await new Promise((resolve) => (blocker?.listening ? blocker.close(resolve) : resolve(null)));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("fails while an enabled adapter's port is taken, not once the admin stops it, and recovers", async () => {
    blocker = await listenOnFreePort();
    const blockedPort = (blocker.address() as { port: number }).port;
    daemon = await createDaemon(
      resolveConfig({ dataDir, http: { listen: "127.0.0.1:0" }, logging: { level: "silent" } }),
      {
        logger: pino({ level: "silent" }),
        adapters: { ...adapterFactories, [TEST_PROTOCOL]: createTcpTestAdapter },
        adapterHost: "127.0.0.1", // no port override: the test adapter binds its row's port
        env: { DITTOFS_ADMIN_PASSWORD: "x-ready-test" },
        scrypt: { N: 1024, r: 8, p: 1 },
        print: () => undefined,
      },
    );
    // The default NFS/SMB rows carry fixed ports others may hold: keep them out of this test.
    await daemon.store.updateAdapter("nfs", { enabled: false });
    await daemon.store.updateAdapter("smb", { enabled: false });
    await daemon.store.createAdapter({ type: TEST_PROTOCOL, port: blockedPort, enabled: true });
    await daemon.start();

    const down = await ready(daemon);
    expect(down.code).toBe(503);
    expect(down.body.status).toBe("not ready");
    const failing = down.body.checks.filter((c) => !c.ok);
    expect(failing).toEqual([
      { name: `adapter ${TEST_PROTOCOL}`, ok: false, detail: expect.stringContaining("EADDRINUSE") },
    ]);
    expect(failing[0]!.detail).toContain(`127.0.0.1:${blockedPort}`);

    // Stopped on purpose: not expected to serve, so the daemon is ready though the error is kept.
    await daemon.runtime.stopAdapter(TEST_PROTOCOL);
    expect(daemon.runtime.adapterStatus(TEST_PROTOCOL).error).not.toBeNull();
    const stopped = await ready(daemon);
    expect(stopped.code).toBe(200);
    expect(stopped.body.checks.every((c) => c.ok)).toBe(true);

    // Enabled again while the port is still taken: the start fails and the row stays disabled.
    await expect(daemon.runtime.startAdapter(TEST_PROTOCOL)).rejects.toThrow(/EADDRINUSE/);
    expect((await ready(daemon)).code).toBe(200);

    await new Promise((resolve) => blocker!.close(resolve));
    const status = await daemon.runtime.startAdapter(TEST_PROTOCOL);
    expect(status).toMatchObject({ running: true, port: blockedPort, error: null });
    const up = await ready(daemon);
    expect(up.code).toBe(200);
    expect(up.body).toMatchObject({ status: "ready" });
    expect(up.body.checks.map((c) => c.name)).not.toContain(`adapter ${TEST_PROTOCOL}`);
  });
});

/**
 * The daemon's identity over the real HTTP server: /health, a `daemon` label on every metric
 * /metrics serves, system.info, health.ping, metrics.snapshot and clients.list; its Node.js release.
 */
import { connect } from "node:net";
import { hostname } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabaseUrl } from "../../../../e2e/peers/test-db.ts";
import { apiClient } from "../cli/dfsctl/client.ts";
import { daemonHarness, TEST_ADMIN_PASSWORD } from "../runtime/testing/daemon-harness.ts";

async function getJson(url: string): Promise<Record<string, unknown>> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

async function signedIn(url: string) {
  const { token } = await apiClient(url, null).auth.login.mutate({
    username: "admin",
    password: TEST_ADMIN_PASSWORD,
  });
  return apiClient(url, token);
}

describe("a daemon named in its config", () => {
  const h = daemonHarness({ config: { daemon: { name: "edge-a" } } });
  let url: string;
  beforeAll(async () => {
    url = (await h.start()).httpUrl;
  });
  afterAll(() => h.dispose());

  it("says which daemon it is in /health and on every Prometheus sample", async () => {
    const health = await getJson(`${url}/health`);
    expect(health.daemon).toEqual({ id: expect.stringMatching(/^[0-9a-f]{16}$/), name: "edge-a" });
    const text = await (await fetch(`${url}/metrics`)).text();
    const samples = text.split("\n").filter((line) => line !== "" && !line.startsWith("#"));
    expect(samples.length).toBeGreaterThan(20); // process, runtime and adapter gauges at least
    const unlabeled = samples.filter((line) => !line.includes('daemon="edge-a"'));
    expect(unlabeled).toEqual([]);
    expect(samples).toContainEqual(expect.stringMatching(/^dittofs_adapter_up\{.*protocol="nfs".*\} 1$/));
  });

  it("reports the Node.js release it runs on in /health, health.ping and system.info", async () => {
    // In-process here; scripts/runtime.test.ts holds this process on the pinned runtime.
    expect((await getJson(`${url}/health`)).node).toBe(process.version);
    expect((await apiClient(url, null).health.ping.query()).node).toBe(process.version);
    expect((await (await signedIn(url)).system.info.query()).node).toBe(process.version);
  });

  it("reports itself in system.info, health.ping, metrics and on each connected client", async () => {
    const api = await signedIn(url);
    const info = await api.system.info.query();
    expect(info.daemon).toEqual({ id: expect.any(String), name: "edge-a", hostname: hostname() });
    expect(info.startedAt).toBeInstanceOf(Date);
    expect((await apiClient(url, null).health.ping.query()).daemon).toEqual({
      id: info.daemon.id,
      name: "edge-a",
    });
    expect((await api.metrics.snapshot.query()).daemon).toEqual({ id: info.daemon.id, name: "edge-a" });
    const created = await api.adapters.create.mutate({ type: "test", port: 0 });
    const socket = connect(created.status.port, "127.0.0.1");
    try {
      await new Promise((resolve) => socket.once("connect", resolve));
      await expect
        .poll(async () => (await api.clients.list.query()).map((c) => [c.protocol, c.daemon]))
        .toEqual([["test", "edge-a"]]);
    } finally {
      socket.destroy();
      await api.adapters.delete.mutate({ type: "test" });
    }
  });
});

describe("a daemon without a configured name", () => {
  const h = daemonHarness();
  afterAll(() => h.dispose());

  it("is <hostname>-<id>, and keeps its id across restarts", async () => {
    const first = (await getJson(`${(await h.start()).httpUrl}/health`)).daemon as {
      id: string;
      name: string;
    };
    expect(first.name).toBe(`${hostname().replace(/[^A-Za-z0-9._-]/g, "-")}-${first.id.slice(0, 8)}`);
    const again = (await getJson(`${(await h.restart()).httpUrl}/health`)).daemon;
    expect(again).toEqual(first);
  });
});

describe("two daemons on one PostgreSQL control plane (scale-out)", () => {
  let a: ReturnType<typeof daemonHarness>;
  let b: ReturnType<typeof daemonHarness>;
  afterAll(async () => {
    await b?.dispose();
    await a?.dispose();
  });

  it("each answers as itself: own id and name in /health and system.info, same shares", async () => {
    const postgresUrl = await testDatabaseUrl("identity");
    a = daemonHarness({ postgresUrl });
    b = daemonHarness({ postgresUrl, config: { daemon: { name: "edge-b" } } });
    const urlA = (await a.start()).httpUrl;
    const urlB = (await b.start()).httpUrl;
    const [ha, hb] = [(await getJson(`${urlA}/health`)).daemon, (await getJson(`${urlB}/health`)).daemon];
    expect((hb as { name: string }).name).toBe("edge-b");
    expect((ha as { id: string }).id).not.toBe((hb as { id: string }).id);
    const [apiA, apiB] = [await signedIn(urlA), await signedIn(urlB)];
    expect((await apiA.system.info.query()).daemon).toMatchObject(ha as object);
    expect((await apiB.system.info.query()).daemon).toMatchObject(hb as object);
    expect((await apiB.shares.list.query()).map((s) => s.name)).toEqual(
      (await apiA.shares.list.query()).map((s) => s.name),
    );
  });
});

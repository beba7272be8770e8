import { existsSync, readFileSync, statSync } from "node:fs";
import { connect, createServer } from "node:net";
import { join } from "node:path";
import { createTRPCClient, httpSubscriptionLink } from "@trpc/client";
import { EventSource } from "eventsource";
import superjson from "superjson";
import { afterAll, describe, expect, it } from "vitest";
import { testDatabaseUrl } from "../../../e2e/peers/test-db.ts";
import { apiClient } from "./cli/dfsctl/client.ts";
import type { AppRouter } from "./control/api/routers/_app.ts";
import { ADMIN_PASSWORD_FILE } from "./daemon.ts";
import { HTTP_DRAIN_TIMEOUT_MS } from "./http/server.ts";
import { daemonHarness, TEST_ADMIN_PASSWORD } from "./runtime/testing/daemon-harness.ts";

describe("daemon over HTTP", () => {
  const h = daemonHarness({ env: {} });
  afterAll(() => h.dispose());

  it("answers /health, /health/ready, /metrics and 404", async () => {
    const daemon = await h.start();
    const health = await fetch(`${daemon.httpUrl}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({
      status: "ok",
      version: expect.any(String),
      uptime: expect.any(Number),
    });

    const ready = await fetch(`${daemon.httpUrl}/health/ready`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { checks: Array<{ name: string; ok: boolean }> };
    expect(body.checks.map((c) => c.name)).toEqual([
      "control-store",
      "metadata-store default",
      "block-store default",
    ]);

    const metrics = await fetch(`${daemon.httpUrl}/metrics`);
    expect(metrics.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await metrics.text();
    // Every sample carries the daemon's name (scale-out: several daemons behind one service).
    const daemonLabel = `daemon="${daemon.runtime.daemon.name}"`;
    expect(text).toMatch(new RegExp(`^process_cpu_user_seconds_total\\{${daemonLabel}\\} `, "m"));
    expect(text).toMatch(new RegExp(`^dittofs_cache_capacity_bytes\\{${daemonLabel}\\} 67108864$`, "m"));
    expect(text).toMatch(new RegExp(`^dittofs_adapter_up\\{protocol="nfs",${daemonLabel}\\} 1$`, "m"));
    expect((await fetch(`${daemon.httpUrl}/nope`)).status).toBe(404);

    // Protocol operations and connected clients show up at the next scrape.
    await daemon.runtime.createAdapter({ type: "test", port: 0 });
    const socket = connect(daemon.runtime.adapterStatus("test").port, "127.0.0.1");
    socket.write("ping\nfail\n");
    await new Promise((resolve) => socket.once("data", resolve));
    await expect.poll(() => daemon.runtime.metrics.snapshot("test")[0]?.count).toBe(2);
    const after = await (await fetch(`${daemon.httpUrl}/metrics`)).text();
    // Label order differs by metric type (a histogram puts default labels first): compare sets.
    const sample = (name: string, labels: Record<string, string>) => {
      const want = { ...labels, daemon: daemon.runtime.daemon.name };
      for (const line of after.split("\n")) {
        const m = /^([a-z_]+)\{(.*)\} (\S+)$/.exec(line);
        if (m?.[1] !== name) continue;
        const got = Object.fromEntries([...m[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
        if (JSON.stringify(Object.entries(got).sort()) === JSON.stringify(Object.entries(want).sort())) {
          return Number(m[3]);
        }
      }
      return undefined;
    };
    const echo = { protocol: "test", op: "echo" };
    expect(sample("dittofs_protocol_ops_total", { ...echo, result: "ok" })).toBe(1);
    expect(sample("dittofs_protocol_ops_total", { ...echo, result: "error" })).toBe(1);
    expect(sample("dittofs_protocol_op_duration_seconds_count", echo)).toBe(2);
    expect(sample("dittofs_clients_connected", { protocol: "test" })).toBe(1);
    socket.destroy();
    await daemon.runtime.deleteAdapter("test");
    expect((await fetch(`${daemon.httpUrl}/health`, { method: "POST" })).status).toBe(405);
  });

  it("writes a generated admin password to a 0600 file and accepts it over tRPC", async () => {
    const file = `${h.dataDir}/${ADMIN_PASSWORD_FILE}`;
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const password = readFileSync(file, "utf8").trim();
    expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(h.printed.join("\n")).toContain(file);

    const daemon = await h.restart();
    expect(h.printed.filter((line) => line.includes("first start"))).toHaveLength(1);
    const anonymous = apiClient(daemon.httpUrl, null);
    await expect(anonymous.shares.list.query()).rejects.toMatchObject({ data: { code: "UNAUTHORIZED" } });
    await expect(
      anonymous.auth.login.mutate({ username: "admin", password: "wrong-password" }),
    ).rejects.toMatchObject({
      data: { code: "UNAUTHORIZED" },
    });
    const { token, expiresAt } = await anonymous.auth.login.mutate({ username: "admin", password });
    expect(expiresAt).toBeInstanceOf(Date); // superjson on both ends
    const admin = apiClient(daemon.httpUrl, token);
    expect((await admin.auth.me.query()).role).toBe("admin");
    expect((await admin.shares.list.query()).map((s) => s.name)).toEqual(["/export"]);
  });

  it("streams metrics.live over SSE and ends the stream when the daemon stops", async () => {
    const daemon = await h.restart();
    const password = readFileSync(`${h.dataDir}/${ADMIN_PASSWORD_FILE}`, "utf8").trim();
    const { token } = await apiClient(daemon.httpUrl, null).auth.login.mutate({
      username: "admin",
      password,
    });
    const client = createTRPCClient<AppRouter>({
      links: [
        httpSubscriptionLink({
          url: `${daemon.httpUrl}/trpc`,
          transformer: superjson,
          EventSource,
          eventSourceOptions: {
            fetch: (input, init) =>
              fetch(input, { ...init, headers: { ...init?.headers, authorization: `Bearer ${token}` } }),
          },
        }),
      ],
    });
    const snapshots: Array<{ timestamp: Date; cache: { capacityBytes: number } }> = [];
    const subscription = client.metrics.live.subscribe(undefined, { onData: (s) => snapshots.push(s) });
    await expect.poll(() => snapshots.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    expect(snapshots[0]!.timestamp).toBeInstanceOf(Date);
    expect(snapshots[0]!.cache.capacityBytes).toBe(64 * 1024 * 1024);
    const stopping = Date.now();
    await h.stop(); // must not wait for the open SSE response to end by itself
    expect(Date.now() - stopping).toBeLessThan(HTTP_DRAIN_TIMEOUT_MS);
    subscription.unsubscribe();
  });

  it("readiness fails when a share's store is unhealthy", async () => {
    const daemon = await h.restart();
    await daemon.runtime.stop(); // closes the stores under the running HTTP server
    const ready = await fetch(`${daemon.httpUrl}/health/ready`);
    expect(ready.status).toBe(503);
    await h.stop();
  });
});

describe.each(["sqlite", "postgres"] as const)("daemon restart on %s", (dialect) => {
  let h: ReturnType<typeof daemonHarness>;
  afterAll(() => h.dispose());

  it("keeps everything created through the API", async () => {
    h = daemonHarness(dialect === "postgres" ? { postgresUrl: await testDatabaseUrl("daemon") } : {});
    let daemon = await h.start();
    const login = async (username: string, password: string) =>
      apiClient(
        daemon.httpUrl,
        (await apiClient(daemon.httpUrl, null).auth.login.mutate({ username, password })).token,
      );
    let admin = await login("admin", TEST_ADMIN_PASSWORD);
    await admin.users.create.mutate({ username: "erin", password: "erin-password", role: "operator" });
    await admin.groups.create.mutate({ name: "staff" });
    await admin.groups.addMember.mutate({ name: "staff", username: "erin" });
    await admin.stores.metadata.create.mutate({
      name: "meta2",
      type: "sqlite",
      config: { path: "meta2.db" },
    });
    await admin.stores.block.create.mutate({ name: "blocks2", type: "fs", config: { path: "blocks2" } });
    await admin.shares.create.mutate({
      name: "/team",
      metadataStore: "meta2",
      blockStore: "blocks2",
      readOnly: true,
    });
    await admin.shares.permissions.set.mutate({ name: "/team", group: "staff", level: "read-write" });
    await admin.adapters.create.mutate({ type: "test", port: 0 });
    await admin.adapters.stop.mutate({ type: "nfs" });
    expect(daemon.runtime.identity.permission(daemon.runtime.identity.byName("erin")!, "/team")).toBe(
      "read-write",
    );

    daemon = await h.restart();
    admin = await login("admin", TEST_ADMIN_PASSWORD);
    const erin = await login("erin", "erin-password");
    expect((await erin.auth.me.query()).groups).toEqual(["staff"]);
    expect((await admin.shares.get.query({ name: "/team" })).readOnly).toBe(true);
    expect(
      (await admin.shares.permissions.list.query({ name: "/team" })).map((p) => [p.group, p.level]),
    ).toEqual([["staff", "read-write"]]);
    expect(
      daemon.runtime
        .shareInfos()
        .map((s) => s.name)
        .sort(),
    ).toEqual(["/export", "/team"]);
    expect(daemon.runtime.identity.permission(daemon.runtime.identity.byName("erin")!, "/team")).toBe(
      "read-write",
    );
    const adapters = await admin.adapters.list.query();
    expect(adapters.map((a) => [a.type, a.enabled, a.status.running])).toEqual([
      ["nfs", false, false],
      ["smb", true, daemon.runtime.adapterStatus("smb").running],
      ["test", true, true],
    ]);
    expect((await admin.stores.block.health.query({ name: "blocks2" })).ok).toBe(true);
    // Relative store paths live under the data dir, never the working directory.
    expect(existsSync(join(h.dataDir, "meta2.db"))).toBe(true);
    expect(existsSync(join(h.dataDir, "blocks2"))).toBe(true);
    expect(existsSync("meta2.db")).toBe(false);
  });
});

describe("daemon start failures", () => {
  it("names the address when the HTTP port is taken, and stops what it started", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const { port } = blocker.address() as { port: number };
    const h = daemonHarness({ config: { http: { listen: `127.0.0.1:${port}` } } });
    try {
      await expect(h.start()).rejects.toThrow(`cannot listen on 127.0.0.1:${port}`);
    } finally {
      blocker.close();
      await h.dispose();
    }
  });
});

describe("declared config", () => {
  const h = daemonHarness({
    config: {
      stores: { metadata: [{ name: "fast", type: "memory" }], block: [{ name: "ram", type: "memory" }] },
      shares: [{ name: "/scratch", metadataStore: "fast", blockStore: "ram", squash: "all_squash" }],
    },
  });
  afterAll(() => h.dispose());

  it("creates declared stores and shares at start, idempotently", async () => {
    let daemon = await h.start();
    expect(daemon.runtime.shareInfos().find((s) => s.name === "/scratch")).toMatchObject({
      squash: "all_squash",
    });
    daemon = await h.restart();
    expect((await daemon.store.listShares()).filter((s) => s.name === "/scratch")).toHaveLength(1);
    const applied = (await daemon.store.listAudit({ action: "config.apply" })).items;
    expect(applied).toHaveLength(1);
  });
});

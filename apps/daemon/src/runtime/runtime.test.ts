import { existsSync, writeFileSync } from "node:fs";
import { connect, createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ControlError } from "../control/errors.ts";
import { Nfs4Client } from "../protocols/nfs/v4/testing/client.ts";
import type { Runtime } from "./runtime.ts";
import { freeFixedPort } from "./testing/fixed-port.ts";
import { type Dialect, runtimeHarness } from "./testing/runtime-harness.ts";
import { TEST_PROTOCOL } from "./testing/tcp-test-adapter.ts";

/** Sends one line to the test adapter and returns its answer line. */
function ask(port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let data = "";
    socket.setEncoding("utf8");
    socket.on("connect", () => socket.write(`${line}\n`));
    socket.on("data", (chunk: string) => {
      data += chunk;
      if (data.includes("\n")) {
        socket.end();
        resolve(data.trim());
      }
    });
    socket.on("error", reject);
  });
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.on("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.on("error", () => resolve(true));
  });
}

async function controlError(promise: Promise<unknown>): Promise<ControlError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ControlError);
  return err as ControlError;
}

async function listenOn(port: number): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  return server;
}

const DIALECTS: Dialect[] = ["sqlite", "postgres"];

describe.each(DIALECTS)("Runtime on %s", (dialect) => {
  let h: Awaited<ReturnType<typeof runtimeHarness>>;
  let runtime: Runtime;

  beforeAll(async () => {
    h = await runtimeHarness(dialect);
    ({ runtime } = await h.start());
  });
  afterAll(() => h.dispose());

  it("creates, serves, stops, restarts and deletes an adapter, persisting start/stop", async () => {
    await runtime.createAdapter({ type: TEST_PROTOCOL, port: 0 });
    let status = runtime.adapterStatus(TEST_PROTOCOL);
    expect(status.running).toBe(true);
    expect(status.port).toBeGreaterThan(0);
    expect(await ask(status.port, "hello")).toBe("0 hello");
    expect(runtime.metricsSnapshot().adapters).toContainEqual(
      expect.objectContaining({
        type: TEST_PROTOCOL,
        running: true,
        ops: [expect.objectContaining({ op: "echo", count: 1 })],
      }),
    );

    status = await runtime.stopAdapter(TEST_PROTOCOL);
    expect(status.running).toBe(false);
    const stoppedPort = runtime.adapterStatus(TEST_PROTOCOL).port;
    expect(await refused(status.port === 0 ? stoppedPort : status.port)).toBe(true);

    // Stopped survives a restart …
    ({ runtime } = await h.restart());
    expect(runtime.adapterStatus(TEST_PROTOCOL).running).toBe(false);
    // … and so does started.
    expect((await runtime.startAdapter(TEST_PROTOCOL)).running).toBe(true);
    ({ runtime } = await h.restart());
    const restarted = runtime.adapterStatus(TEST_PROTOCOL);
    expect(restarted.running).toBe(true);
    expect(await ask(restarted.port, "again")).toBe("0 again");

    await runtime.deleteAdapter(TEST_PROTOCOL);
    expect(await refused(restarted.port)).toBe(true);
    expect(
      (await controlError(Promise.resolve().then(() => runtime.adapterStatus(TEST_PROTOCOL)))).code,
    ).toBe("NOT_FOUND");
    ({ runtime } = await h.restart());
    expect(runtime.adapterRecords().map((a) => a.type)).not.toContain(TEST_PROTOCOL);
  });

  it("refuses an adapter it cannot start and writes nothing", async () => {
    const unknown = await controlError(runtime.createAdapter({ type: "gopher", port: 0 }));
    expect(unknown).toMatchObject({ code: "INVALID", field: "type" });
    const badSettings = await controlError(
      runtime.createAdapter({ type: TEST_PROTOCOL, port: 0, settings: { greeting: 42 } }),
    );
    expect(badSettings).toMatchObject({ code: "INVALID", field: "settings" });
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const busy = await controlError(runtime.createAdapter({ type: TEST_PROTOCOL, port }));
      expect(busy).toMatchObject({ code: "INVALID", field: "port" });
    } finally {
      blocker.close();
    }
    expect(runtime.adapterRecords().map((a) => a.type)).toEqual(
      expect.not.arrayContaining(["gopher", TEST_PROTOCOL]),
    );
    // A disabled adapter is stored without starting.
    await runtime.createAdapter({ type: TEST_PROTOCOL, port: 0, enabled: false });
    expect(runtime.adapterStatus(TEST_PROTOCOL).running).toBe(false);
    // Changing the port of a running adapter rebinds it.
    await runtime.startAdapter(TEST_PROTOCOL);
    const blocker2: Server = createServer();
    await new Promise<void>((resolve) => blocker2.listen(0, "127.0.0.1", resolve));
    const taken = (blocker2.address() as { port: number }).port;
    try {
      const err = await controlError(runtime.updateAdapter({ type: TEST_PROTOCOL, port: taken }));
      expect(err.field).toBe("port");
      const after = runtime.adapterStatus(TEST_PROTOCOL);
      expect(after.running).toBe(true);
      expect(runtime.adapterRecords().find((a) => a.type === TEST_PROTOCOL)?.port).toBe(0);
      expect(await ask(after.port, "still")).toBe("0 still");
    } finally {
      blocker2.close();
    }
    await runtime.deleteAdapter(TEST_PROTOCOL);
  });

  it("keeps why an adapter did not start (port taken) in its status until a start succeeds", async () => {
    // Below the ephemeral range, so no outgoing connection takes it while the adapter is down.
    const port = await freeFixedPort();
    await runtime.createAdapter({ type: TEST_PROTOCOL, port });
    expect(runtime.adapterStatus(TEST_PROTOCOL)).toMatchObject({ running: true, port, error: null });
    await h.stop();
    // Someone else takes the port while the daemon is down: the start at load fails.
    const squatter = await listenOn(port);
    try {
      ({ runtime } = await h.start());
      const failed = runtime.adapterStatus(TEST_PROTOCOL);
      expect(failed.running).toBe(false);
      expect(failed.error?.message).toMatch(new RegExp(`127\\.0\\.0\\.1:${port}.*EADDRINUSE`));
      expect(failed.error?.at).toBeInstanceOf(Date);
      // A start clicked while the port is still taken fails the same way and renews the time.
      const again = await controlError(runtime.startAdapter(TEST_PROTOCOL));
      expect(again.field).toBe("port");
      const renewed = runtime.adapterStatus(TEST_PROTOCOL).error;
      expect(renewed?.message).toBe(again.message);
      expect(renewed!.at.getTime()).toBeGreaterThanOrEqual(failed.error!.at.getTime());
      expect(runtime.metricsSnapshot().adapters.find((a) => a.type === TEST_PROTOCOL)?.running).toBe(false);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
    const started = await runtime.startAdapter(TEST_PROTOCOL);
    expect([started.running, started.port, started.error]).toEqual([true, port, null]);
    expect(await ask(port, "back")).toBe("0 back");
    await runtime.deleteAdapter(TEST_PROTOCOL);
  });

  it("keeps the row and the running state in agreement under concurrent start/stop", async () => {
    await runtime.createAdapter({ type: TEST_PROTOCOL, port: 0 });
    const clicks = Array.from({ length: 12 }, (_, i) =>
      i % 2 === 0 ? runtime.stopAdapter(TEST_PROTOCOL) : runtime.startAdapter(TEST_PROTOCOL),
    );
    const results = await Promise.all(clicks);
    // Applied in call order: the last click wins, and every answer matched its own click.
    expect(results.map((r) => r.running)).toEqual(clicks.map((_, i) => i % 2 === 1));
    const row = runtime.adapterRecords().find((a) => a.type === TEST_PROTOCOL)!;
    expect(row.enabled).toBe(true);
    expect(runtime.adapterStatus(TEST_PROTOCOL).running).toBe(true);
    ({ runtime } = await h.restart());
    expect(runtime.adapterStatus(TEST_PROTOCOL).running).toBe(true);
    await runtime.deleteAdapter(TEST_PROTOCOL);
  });

  it("tracks connected clients while a connection is open", async () => {
    await runtime.createAdapter({ type: TEST_PROTOCOL, port: 0 });
    const { port } = runtime.adapterStatus(TEST_PROTOCOL);
    const socket = connect(port, "127.0.0.1");
    await new Promise((resolve) => socket.on("connect", resolve));
    await expect.poll(() => runtime.listClients().filter((c) => c.protocol === TEST_PROTOCOL).length).toBe(1);
    expect(runtime.adapterStatus(TEST_PROTOCOL).connections).toBe(1);
    socket.destroy();
    await expect.poll(() => runtime.listClients().length).toBe(0);
    await runtime.deleteAdapter(TEST_PROTOCOL);
  });

  it("forgets the clients of the adapter that stopped, whatever protocol names they report", async () => {
    // NFS answers only hosts some share admits.
    await runtime.createMetadataStore({ name: "clients-mem", type: "memory", config: {} });
    await runtime.createBlockStore({ name: "clients-blocks", type: "memory", config: {} });
    await runtime.createShare({
      name: "/clients",
      metadataStore: "clients-mem",
      blockStore: "clients-blocks",
    });
    await runtime.createAdapter({ type: "nfs", port: 0 });
    await runtime.createAdapter({ type: TEST_PROTOCOL, port: 0 });
    const socket = connect(runtime.adapterStatus(TEST_PROTOCOL).port, "127.0.0.1");
    await new Promise((resolve) => socket.on("connect", resolve));
    const v4 = await Nfs4Client.connect(runtime.adapterStatus("nfs").port);
    try {
      await v4.createSession("adapter-clients");
      const protocols = () =>
        runtime
          .listClients()
          .map((c) => c.protocol)
          .sort();
      await expect.poll(protocols).toEqual(["nfs4.1", TEST_PROTOCOL]);
      // The NFS adapter's clients (v3 mounts and v4 records alike) go with it; the other stays.
      await runtime.stopAdapter("nfs");
      expect(protocols()).toEqual([TEST_PROTOCOL]);
    } finally {
      v4.close();
      socket.destroy();
    }
    await expect.poll(() => runtime.listClients().length).toBe(0);
    await runtime.deleteAdapter("nfs");
    await runtime.deleteAdapter(TEST_PROTOCOL);
    await runtime.deleteShare("/clients");
    await runtime.deleteBlockStore("clients-blocks");
    await runtime.deleteMetadataStore("clients-mem");
  });

  it("creates stores and shares live, refuses what it cannot open, and keeps them across a restart", async () => {
    writeFileSync(join(h.dataDir, "not-a-dir"), "");
    await runtime.createMetadataStore({ name: "mem", type: "memory", config: {} });
    await runtime.createBlockStore({ name: "blocks", type: "fs", config: { path: "blocks-a" } });
    const share = await runtime.createShare({
      name: "/projects",
      metadataStore: "mem",
      blockStore: "blocks",
    });
    expect(share).toMatchObject({ name: "/projects", squash: "root_squash", nfs: true, smb: true });
    expect(runtime.shareInfos().map((s) => s.name)).toContain("/projects");
    expect(await runtime.storeHealth("block", "blocks")).toMatchObject({ ok: true });
    expect((await controlError(runtime.storeHealth("block", "missing"))).code).toBe("NOT_FOUND");

    await runtime.createAdapter({ type: TEST_PROTOCOL, port: 0 });
    expect(await ask(runtime.adapterStatus(TEST_PROTOCOL).port, "n")).toBe(
      `${runtime.shareInfos().length} n`,
    );

    // Unstable writes are made durable by the graceful stop, and read back after the restart.
    const content = Buffer.from("written before the restart");
    await runtime.context.payload.writeAt("/projects", "payload-1", 0, content, "unstable");

    const updated = await runtime.updateShare({ name: "/projects", readOnly: true });
    expect(updated.readOnly).toBe(true);
    expect(runtime.shareInfos().find((s) => s.name === "/projects")?.readOnly).toBe(true);

    // A new config for a store in use is opened first, then swapped under the share.
    await runtime.updateBlockStore({ name: "blocks", config: { path: "blocks-b" } });
    expect(runtime.shareInfos().map((s) => s.name)).toContain("/projects");
    expect(existsSync(join(h.dataDir, "blocks-b"))).toBe(true);
    const refusedUpdate = await runtime
      .updateBlockStore({ name: "blocks", config: { path: "not-a-dir/x" } })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(refusedUpdate).toBeInstanceOf(Error);
    expect((await h.storeRecord("block", "blocks")).config).toEqual({ path: "blocks-b" });
    // Dirty data is kept across the swap (WAL replay) and lands in the new store.
    expect(await runtime.context.payload.readAt("/projects", "payload-1", 0, content.length)).toEqual(
      content,
    );

    // A store in use cannot go; an unknown store cannot be named.
    expect((await controlError(runtime.deleteBlockStore("blocks"))).code).toBe("IN_USE");
    expect(
      (await controlError(runtime.createShare({ name: "/x", metadataStore: "nope", blockStore: "blocks" })))
        .code,
    ).toBe("NOT_FOUND");

    // A config that cannot be opened is refused before anything is written.
    const bad = await runtime
      .createBlockStore({ name: "bad", type: "fs", config: { path: "not-a-dir/blocks" } })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(bad).toBeInstanceOf(Error);
    const restarted = await h.restart();
    runtime = restarted.runtime;
    const { store } = restarted;
    expect((await store.listStores("block")).map((s) => s.name)).not.toContain("bad");

    expect(runtime.shareInfos().find((s) => s.name === "/projects")).toMatchObject({
      readOnly: true,
      blockStore: "blocks",
    });
    expect(await runtime.testBlockStore("fs", { path: "probe" })).toMatchObject({ ok: true });
    expect(await runtime.context.payload.readAt("/projects", "payload-1", 0, content.length)).toEqual(
      content,
    );

    await runtime.deleteShare("/projects");
    expect(runtime.shareInfos().map((s) => s.name)).not.toContain("/projects");
    await runtime.deleteBlockStore("blocks");
    await runtime.deleteMetadataStore("mem");
    await runtime.deleteAdapter(TEST_PROTOCOL);
    ({ runtime } = await h.restart());
    expect(runtime.shareInfos().map((s) => s.name)).not.toContain("/projects");
  });

  it("serves until its signal aborts, then stops its adapters", async () => {
    await runtime.createAdapter({ type: TEST_PROTOCOL, port: 0 });
    const { port } = runtime.adapterStatus(TEST_PROTOCOL);
    const abort = new AbortController();
    const serving = runtime.serve(abort.signal);
    expect(await ask(port, "up")).toMatch(/ up$/);
    abort.abort();
    await serving;
    expect(await refused(port)).toBe(true);
    expect(runtime.adapterStatus(TEST_PROTOCOL).running).toBe(false);
    // The row still says enabled: a stop at shutdown is not an operator's stop.
    ({ runtime } = await h.restart());
    expect(runtime.adapterStatus(TEST_PROTOCOL).running).toBe(true);
    await runtime.deleteAdapter(TEST_PROTOCOL);
  });

  it("reloads identities on demand", async () => {
    const restarted = await h.restart();
    runtime = restarted.runtime;
    const { store } = restarted;
    await store.createUser({ username: "dana", password: "correct horse", role: "user" });
    expect(runtime.identity.byName("dana")).toBeUndefined();
    await runtime.identityChanged();
    expect(runtime.identity.byName("dana")).toMatchObject({ username: "dana", enabled: true });
  });
});

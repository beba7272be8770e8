/**
 * A store whose server accepts the connection and never answers (a real blackhole on
 * 127.0.0.1): its open must not hold up the serialized control changes behind it.
 */
import { createServer, type Server, type Socket } from "node:net";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createContextFactory } from "../control/api/context.ts";
import { appRouter } from "../control/api/routers/_app.ts";
import { createCallerFactory } from "../control/api/trpc.ts";
import { ControlError } from "../control/errors.ts";
import type { ControlStore } from "../control/store/control-store.ts";
import { FsError } from "../domain/errors.ts";
import type { Runtime } from "./runtime.ts";
import { runtimeHarness } from "./testing/runtime-harness.ts";

const OPEN_MS = 400;
const HEALTH_MS = 300;

describe("Runtime with a store server that never answers", () => {
  let h: Awaited<ReturnType<typeof runtimeHarness>>;
  let runtime: Runtime;
  let store: ControlStore;
  let blackhole: Server;
  let port: number;
  const accepted: Socket[] = [];

  beforeAll(async () => {
    blackhole = createServer((socket) => accepted.push(socket)); // reads nothing, writes nothing
    await new Promise<void>((resolve) => blackhole.listen(0, "127.0.0.1", resolve));
    port = (blackhole.address() as { port: number }).port;
    h = await runtimeHarness("sqlite", { storeTimeouts: { openMs: OPEN_MS, healthMs: HEALTH_MS } });
    ({ runtime, store } = await h.start());
  });
  afterAll(async () => {
    for (const socket of accepted) socket.destroy();
    await new Promise((resolve) => blackhole.close(resolve));
    await h.dispose();
  });

  it("fails the change with ETIMEDOUT naming the store, and the change queued behind it runs", async () => {
    const url = `postgres://dfs:secret@127.0.0.1:${port}/dittofs`;
    const hanging = runtime.createMetadataStore({ name: "pg-hole", type: "postgres", config: { url } });
    // Queued behind the hanging open (control changes run one at a time).
    const next = runtime.createBlockStore({ name: "after-hole", type: "memory", config: {} });
    const err = await hanging.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(FsError);
    expect((err as FsError).code).toBe("ETIMEDOUT");
    expect((err as FsError).message).toMatch(
      `opening metadata store pg-hole: no answer within ${OPEN_MS} ms`,
    );
    expect(accepted.length).toBeGreaterThanOrEqual(1); // it really dialed the blackhole
    expect((await next).name).toBe("after-hole");
    // Nothing was stored for the store that never opened.
    const missing = await h.storeRecord("metadata", "pg-hole").catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ControlError);
    expect((missing as ControlError).code).toBe("NOT_FOUND");
    await runtime.deleteBlockStore("after-hole");
  });

  it("bounds an update to an unreachable config the same way and keeps the old store", async () => {
    await runtime.createMetadataStore({ name: "mem-meta", type: "memory", config: {} });
    const url = `postgres://dfs:secret@127.0.0.1:${port}/dittofs`;
    const err = await runtime
      .updateMetadataStore({ name: "mem-meta", type: "postgres", config: { url } })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect((err as FsError).code).toBe("ETIMEDOUT");
    expect((await h.storeRecord("metadata", "mem-meta")).type).toBe("memory");
    expect((await runtime.storeHealth("metadata", "mem-meta")).ok).toBe(true);
    await runtime.deleteMetadataStore("mem-meta");
  });

  it("reaches an API client as TIMEOUT whose message names the store; the audit log records it", async () => {
    await store.createUser({ username: "root", password: "password1", role: "admin" });
    const contextFor = createContextFactory({ store, runtime, logons: runtime.logons });
    const caller = createCallerFactory(appRouter);
    const anonymous = caller(() => contextFor({ token: null, ip: "127.0.0.1" }));
    const { token } = await anonymous.auth.login({ username: "root", password: "password1" });
    const admin = caller(() => contextFor({ token, ip: "127.0.0.1" }));
    const url = `postgres://dfs:secret@127.0.0.1:${port}/dittofs`;
    const err = await admin.stores.metadata
      .create({ name: "pg-hole-api", type: "postgres", config: { url } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TRPCError);
    expect((err as TRPCError).code).toBe("TIMEOUT");
    expect((err as TRPCError).message).toContain("metadata store pg-hole-api");
    const audit = (await store.listAudit({ action: "stores.metadata.create" })).items[0];
    expect([audit?.result, audit?.detail]).toEqual([
      "error",
      expect.stringContaining("TIMEOUT: ETIMEDOUT: opening metadata store pg-hole-api"),
    ]);
  });

  it("a probe of an S3 endpoint that never answers fails in bounded time instead of hanging", async () => {
    const before = accepted.length;
    const health = await runtime.testBlockStore("s3", {
      bucket: "b",
      endpoint: `http://127.0.0.1:${port}`,
      region: "us-east-1",
      accessKeyId: "k",
      secretAccessKey: "s",
      forcePathStyle: true,
    });
    expect(health.ok).toBe(false);
    expect(health.detail).toMatch(`block store (s3) health: no answer within ${HEALTH_MS} ms`);
    expect(accepted.length).toBeGreaterThan(before);
  });
});

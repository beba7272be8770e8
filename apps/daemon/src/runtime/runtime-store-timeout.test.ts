/**
 * A store whose server accepts the connection and never answers (a real blackhole on
 * 127.0.0.1): its open must not hold up the serialized control changes behind it.
 */
import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ControlError } from "../control/errors.ts";
import { FsError } from "../errors.ts";
import type { Runtime } from "./runtime.ts";
import { runtimeHarness } from "./testing/runtime-harness.ts";

const OPEN_MS = 400;
const HEALTH_MS = 300;

describe("Runtime with a store server that never answers", () => {
  let h: Awaited<ReturnType<typeof runtimeHarness>>;
  let runtime: Runtime;
  let blackhole: Server;
  let port: number;
  const accepted: Socket[] = [];

  beforeAll(async () => {
    blackhole = createServer((socket) => accepted.push(socket)); // reads nothing, writes nothing
    await new Promise<void>((resolve) => blackhole.listen(0, "127.0.0.1", resolve));
    port = (blackhole.address() as { port: number }).port;
    h = await runtimeHarness("sqlite", { storeTimeouts: { openMs: OPEN_MS, healthMs: HEALTH_MS } });
    ({ runtime } = await h.start());
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

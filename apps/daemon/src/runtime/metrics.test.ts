import { Registry } from "prom-client";
import { expect, it } from "vitest";
import { idleMetricsSnapshot } from "../control/testing/in-process-runtime.ts";
import { LATENCY_WINDOW_MS, LATENCY_WINDOW_SAMPLES, PromProtocolMetrics } from "./metrics.ts";
import { registerRuntimeGauges } from "./snapshot.ts";

it("latency percentiles follow new samples (the sorted window is dropped on each one)", () => {
  const metrics = new PromProtocolMetrics(new Registry());
  for (let ms = 1; ms <= 100; ms++) metrics.observe("nfs", "READ", ms, true);
  expect(metrics.snapshot("nfs")).toEqual([
    { op: "READ", count: 100, errors: 0, latencyMsP50: 51, latencyMsP99: 100 },
  ]);
  // A burst of slow calls moves both percentiles at the next snapshot.
  for (let i = 0; i < 200; i++) metrics.observe("nfs", "READ", 1000, i % 2 === 0);
  expect(metrics.snapshot("nfs")[0]).toMatchObject({
    count: 300,
    errors: 100,
    latencyMsP50: 1000,
    latencyMsP99: 1000,
  });
  // The window keeps only the newest samples.
  for (let i = 0; i < LATENCY_WINDOW_SAMPLES; i++) metrics.observe("nfs", "READ", 2, true);
  expect(metrics.snapshot("nfs")[0]).toMatchObject({ latencyMsP50: 2, latencyMsP99: 2 });
});

it("latency percentiles cover the last minute only: an old burst stops counting, an idle op reports 0", () => {
  let now = 1_000_000;
  const metrics = new PromProtocolMetrics(new Registry(), () => now);
  for (let i = 0; i < 100; i++) metrics.observe("nfs", "READ", 900, true);
  now += LATENCY_WINDOW_MS / 2;
  for (let i = 0; i < 100; i++) metrics.observe("nfs", "READ", 3, true);
  expect(metrics.snapshot("nfs")[0]).toMatchObject({ latencyMsP50: 900, latencyMsP99: 900 });
  // The burst leaves the window; the recent calls alone make both figures.
  now += LATENCY_WINDOW_MS / 2 + 1;
  expect(metrics.snapshot("nfs")[0]).toMatchObject({ count: 200, latencyMsP50: 3, latencyMsP99: 3 });
  now += LATENCY_WINDOW_MS;
  expect(metrics.snapshot("nfs")[0]).toMatchObject({ count: 200, latencyMsP50: 0, latencyMsP99: 0 });
});

it("a scrape takes one snapshot for all runtime gauges, and the next scrape a fresh one", async () => {
  const registry = new Registry();
  let taken = 0;
  let connections = 1;
  const snapshot = () => {
    taken++;
    return idleMetricsSnapshot([{ type: "nfs", running: true, connections, ops: [] }]);
  };
  registerRuntimeGauges(registry, {
    metricsSnapshot: snapshot,
    clients: { countByProtocol: () => new Map([["nfs", connections]]) },
  });
  expect(await registry.metrics()).toMatch(/^dittofs_adapter_up\{protocol="nfs"\} 1$/m);
  expect(taken).toBe(1);
  connections = 0;
  expect(await registry.metrics()).toMatch(/^dittofs_clients_connected\{protocol="nfs"\} 0$/m);
  expect(taken).toBe(2);
});

it("/metrics has each share's READ/WRITE bytes and calls", async () => {
  const registry = new Registry();
  const traffic = { share: "/export", readBytes: 300, writtenBytes: 500, reads: 2, writes: 3 };
  registerRuntimeGauges(registry, {
    metricsSnapshot: () => ({ ...idleMetricsSnapshot(), shares: [traffic] }),
    clients: { countByProtocol: () => new Map() },
  });
  const text = await registry.metrics();
  expect(text).toMatch(/^dittofs_share_bytes\{share="\/export",direction="read"\} 300$/m);
  expect(text).toMatch(/^dittofs_share_bytes\{share="\/export",direction="write"\} 500$/m);
  expect(text).toMatch(/^dittofs_share_ops\{share="\/export",op="read"\} 2$/m);
  expect(text).toMatch(/^dittofs_share_ops\{share="\/export",op="write"\} 3$/m);
});

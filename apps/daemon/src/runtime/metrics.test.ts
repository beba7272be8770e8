import { Counter, Histogram, Registry } from "prom-client";
import { expect, it, vi } from "vitest";
import { idleMetricsSnapshot } from "../control/testing/in-process-runtime.ts";
import {
  LATENCY_BUCKETS_SECONDS,
  LATENCY_WINDOW_MS,
  LATENCY_WINDOW_SAMPLES,
  PromProtocolMetrics,
} from "./metrics.ts";
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

it("/metrics prints the op counter and latency histogram as prom-client's own metrics print the same calls", async () => {
  const registry = new Registry();
  const metrics = new PromProtocolMetrics(registry);
  const ref = new Registry();
  const counter = new Counter({
    name: "dittofs_protocol_ops_total",
    help: "Protocol operations handled, by protocol, operation and result",
    labelNames: ["protocol", "op", "result"],
    registers: [ref],
  });
  const histogram = new Histogram({
    name: "dittofs_protocol_op_duration_seconds",
    help: "Protocol operation latency",
    labelNames: ["protocol", "op"],
    buckets: LATENCY_BUCKETS_SECONDS,
    registers: [ref],
  });
  // On a bound, between bounds, above every bound, failures, several protocols and ops.
  const calls: [string, string, number, boolean][] = [
    ["nfs", "GETATTR", 0.05, true],
    ["nfs", "GETATTR", 0.1, true],
    ["nfs", "READ", 2, false],
    ["nfs", "READ", 7_000, true],
    ["smb", "CREATE", 1, true],
    ["nfs", "GETATTR", 30, false],
    ["nfs", "READ", 0.3, true],
  ];
  for (const [protocol, op, ms, ok] of calls) {
    metrics.observe(protocol, op, ms, ok);
    counter.inc({ protocol, op, result: ok ? "ok" : "error" });
    histogram.observe({ protocol, op }, ms / 1000);
  }
  const ours = (line: string) => line.includes("dittofs_protocol_op");
  const lines = async (r: Registry) => (await r.metrics()).split("\n").filter(ours).sort();
  expect(await lines(registry)).toEqual(await lines(ref));
  const json = async (r: Registry) =>
    (await r.getMetricsAsJSON())
      .filter((m) => ours(m.name))
      .map((m) => ({
        ...m,
        values: m.values
          .map((v) => {
            const { metricName } = v as { metricName?: string };
            return JSON.stringify([metricName, Object.entries(v.labels).sort(), v.value]);
          })
          .sort(),
      }));
  expect(await json(registry)).toEqual(await json(ref));
  // A later scrape shows later calls (the totals are read at each scrape).
  metrics.observe("nfs", "READ", 0.3, true);
  expect(await registry.metrics()).toMatch(
    /^dittofs_protocol_op_duration_seconds_count\{protocol="nfs",op="READ"\} 4$/m,
  );
  expect(await registry.metrics()).toMatch(
    /^dittofs_protocol_ops_total\{protocol="nfs",op="READ",result="ok"\} 3$/m,
  );
});

it("a call touches no prom-client metric (labels hashed and validated only when scraped)", async () => {
  // prom-client binds inc/observe to these in its constructors: spied first, then constructed.
  type Spied = { incWithoutExemplar(): void; observeWithoutExemplar(): void };
  const inc = vi.spyOn(Counter.prototype as unknown as Spied, "incWithoutExemplar");
  const observe = vi.spyOn(Histogram.prototype as unknown as Spied, "observeWithoutExemplar");
  try {
    const registry = new Registry();
    const metrics = new PromProtocolMetrics(registry);
    for (let i = 0; i < 100; i++) metrics.observe("nfs", "GETATTR", 0.02, true);
    expect(inc).not.toHaveBeenCalled();
    expect(observe).not.toHaveBeenCalled();
    expect(await registry.metrics()).toMatch(
      /^dittofs_protocol_ops_total\{protocol="nfs",op="GETATTR",result="ok"\} 100$/m,
    );
  } finally {
    inc.mockRestore();
    observe.mockRestore();
  }
});

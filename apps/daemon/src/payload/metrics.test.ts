import pino from "pino";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { MemoryBlockStore } from "./block-store/memory.ts";
import { registerPayloadMetrics } from "./metrics.ts";
import { DefaultPayloadService } from "./service.ts";

describe("payload metrics", () => {
  it("exposes cache and transfer numbers from stats() in Prometheus text", async () => {
    const svc = new DefaultPayloadService({
      logger: pino({ level: "silent" }),
      cacheSizeBytes: 8 * 1024 * 1024,
      walDir: null,
      transferConcurrency: 2,
    });
    await svc.addShare("/m", new MemoryBlockStore());
    const registry = new Registry();
    registerPayloadMetrics(registry, svc);
    await svc.writeAt("/m", "x", 0, Buffer.alloc(1000, 1));
    await svc.readAt("/m", "x", 0, 1000);
    await new Promise((r) => setTimeout(r, 150));
    const text = await registry.metrics();
    expect(text).toMatch(/^dittofs_payload_cache_capacity_bytes 8388608$/m);
    expect(text).toMatch(/^dittofs_payload_cache_hits_total 1$/m);
    expect(text).toMatch(/^dittofs_payload_cache_dirty_bytes 4096$/m);
    expect(text).toMatch(/^dittofs_payload_wal_fsyncs_total 0$/m);
    await svc.close();
  });
});

/**
 * Request latency during a background upload burst: N MiB are written (1 MiB writes, fresh
 * buffers, acknowledged from the WAL and cache), and while their blocks upload to the fs store
 * a foreground loop times small requests on another file: a 4 KiB cached read and a 4 KiB
 * UNSTABLE write. Prints p50/p99 of each, and of the same loop with no burst, plus the
 * event-loop delay p99 during the burst.
 *
 *   npx tsx bench/payload-latency.ts [--mib 256] [--stores fs|memory]
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { BENCH_SHARE, benchPayloadService } from "./payload-service.ts";

const { values } = parseArgs({
  options: { mib: { type: "string", default: "256" }, stores: { type: "string", default: "fs" } },
});
const MiB = 1024 * 1024;
const S = BENCH_SHARE;
const dir = await mkdtemp(path.join(os.tmpdir(), "dittofs-plat-"));
const memory = values.stores === "memory";
const svc = await benchPayloadService(dir, memory);
await svc.writeAt(S, "hot", 0, Buffer.alloc(4096, 1));
await svc.commit(S, "hot");

/** Uploads queued or in flight (the foreground file's own dirty block is not queued: never idle). */
const busy = () => {
  const t = svc.stats().transfer;
  return t.queueDepth + t.uploadsInFlight > 0;
};
const pct = (xs: number[], q: number) => xs.sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))] ?? 0;

/** Times foreground requests while `more()` holds (at least `min` rounds). */
async function foreground(more: () => boolean, min: number): Promise<{ read: number[]; write: number[] }> {
  const read: number[] = [];
  const write: number[] = [];
  const page = Buffer.alloc(4096, 2);
  for (let i = 0; more() || i < min; i++) {
    let t = performance.now();
    await svc.readAt(S, "hot", 0, 4096);
    read.push(performance.now() - t);
    t = performance.now();
    await svc.writeAt(S, "hot2", (i % 256) * 4096, page);
    write.push(performance.now() - t);
    await new Promise((r) => setImmediate(r));
  }
  return { read, write };
}

const line = (name: string, r: { read: number[]; write: number[] }) =>
  `${name.padEnd(14)} read p50 ${pct(r.read, 0.5).toFixed(3)} p99 ${pct(r.read, 0.99).toFixed(3)} ms, ` +
  `write p50 ${pct(r.write, 0.5).toFixed(3)} p99 ${pct(r.write, 0.99).toFixed(3)} ms (n=${r.read.length})`;

console.log(line("idle", await foreground(() => false, 2000)));
const template = Buffer.alloc(MiB, 7);
const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();
const t0 = performance.now();
for (let i = 0; i < Number(values.mib); i++) await svc.writeAt(S, "bulk", i * MiB, Buffer.from(template));
await svc.commit(S, "bulk");
const burst = await foreground(busy, 200);
const drained = (performance.now() - t0) / 1000;
loop.disable();
console.log(line("upload burst", burst));
console.log(
  `burst of ${values.mib} MiB written and stored in ${drained.toFixed(1)} s; event-loop delay p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms, max ${(loop.max / 1e6).toFixed(1)} ms`,
);
await svc.close();
await rm(dir, { recursive: true, force: true });

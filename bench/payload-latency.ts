/**
 * Request latency during a background upload burst: a writer puts N MiB into a new file (1 MiB
 * writes, fresh buffers, acknowledged from the cache or WAL) and commits it, and while it writes
 * and its blocks upload to the store a foreground loop times small requests on other files: a
 * 4 KiB cached read and a 4 KiB UNSTABLE write. Prints p50/p99 of each with no burst, while the
 * burst is written, and while only its uploads run (the background alone), plus the event-loop
 * delay during the burst and the process CPU it took.
 *
 *   npx tsx bench/payload-latency.ts [--mib 256] [--stores fs|memory] [--concurrency 8] [--rounds 1] [--journaled]
 *
 * `--concurrency` is the transfer concurrency (the daemon's default, transfer.concurrency).
 * `--journaled`: the burst's file is not announced as new, so its writes go through the WAL and
 * its COMMIT returns before the uploads (on an fs store a new file's COMMIT, timed, waits for its puts,
 * docs/payload.md "Write-once").
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { BENCH_SHARE, benchPayloadService } from "./payload-service.ts";

const { values } = parseArgs({
  options: {
    mib: { type: "string", default: "256" },
    stores: { type: "string", default: "fs" },
    concurrency: { type: "string", default: "8" },
    rounds: { type: "string", default: "1" },
    journaled: { type: "boolean", default: false },
  },
});
const MiB = 1024 * 1024;
const S = BENCH_SHARE;

interface Samples {
  read: number[];
  write: number[];
}
const pct = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))] ?? 0;
const line = (name: string, r: Samples) =>
  `${name.padEnd(14)} read p50 ${pct(r.read, 0.5).toFixed(3)} p99 ${pct(r.read, 0.99).toFixed(3)} ms, ` +
  `write p50 ${pct(r.write, 0.5).toFixed(3)} p99 ${pct(r.write, 0.99).toFixed(3)} ms (n=${r.read.length})`;
const tick = () => new Promise((r) => setImmediate(r));

async function round(n: number): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "dittofs-plat-"));
  const svc = await benchPayloadService(dir, values.stores === "memory", Number(values.concurrency));
  await svc.writeAt(S, "hot", 0, Buffer.alloc(4096, 1));
  await svc.commit(S, "hot");
  /** Uploads queued or in flight (the foreground file's own dirty block is not queued: never idle). */
  const busy = () => {
    const t = svc.stats().transfer;
    return t.queueDepth + t.uploadsInFlight > 0;
  };
  const page = Buffer.alloc(4096, 2);
  let i = 0;
  /** One foreground round: a cached read and an UNSTABLE write, each timed, into `into`. */
  const request = async (into: Samples) => {
    let t = performance.now();
    await svc.readAt(S, "hot", 0, 4096);
    into.read.push(performance.now() - t);
    t = performance.now();
    await svc.writeAt(S, "hot2", (i++ % 256) * 4096, page);
    into.write.push(performance.now() - t);
    await tick();
  };

  const idle: Samples = { read: [], write: [] };
  for (let k = 0; k < 2000; k++) await request(idle);

  const template = Buffer.alloc(MiB, 7);
  const loop = monitorEventLoopDelay({ resolution: 1 });
  const writing: Samples = { read: [], write: [] };
  const draining: Samples = { read: [], write: [] };
  let written = false;
  let commitMs = 0;
  const cpu0 = process.cpuUsage();
  loop.enable();
  const t0 = performance.now();
  if (!values.journaled) svc.created?.(S, "bulk");
  const writer = (async () => {
    for (let k = 0; k < Number(values.mib); k++) {
      await svc.writeAt(S, "bulk", k * MiB, Buffer.from(template), "unstable");
      await tick(); // requests arrive from a socket: one per loop turn
    }
    const tc = performance.now();
    await svc.commit(S, "bulk");
    commitMs = performance.now() - tc;
    written = true;
  })();
  while (!written) await request(writing);
  await writer;
  const tw = performance.now();
  while (busy()) await request(draining);
  const drained = performance.now();
  loop.disable();
  const cpu = process.cpuUsage(cpu0);
  console.log(`round ${n}`);
  console.log(line("idle", idle));
  console.log(line("burst writing", writing));
  console.log(line("uploads only", draining));
  console.log(
    `  ${values.mib} MiB written+committed in ${((tw - t0) / 1000).toFixed(2)} s (the COMMIT ${(commitMs / 1000).toFixed(3)} s), stored after ${((drained - t0) / 1000).toFixed(2)} s; ` +
      `event-loop delay p50 ${(loop.percentile(50) / 1e6).toFixed(1)} p99 ${(loop.percentile(99) / 1e6).toFixed(1)} max ${(loop.max / 1e6).toFixed(1)} ms; ` +
      `process CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s (user ${(cpu.user / 1e6).toFixed(2)})`,
  );
  await svc.close();
  await rm(dir, { recursive: true, force: true });
}

for (let n = 1; n <= Number(values.rounds); n++) await round(n);

/**
 * Metadata micro-benchmark: ops/s for create, lookup, getattr, readdir (a 1,000-entry directory)
 * and rename through DefaultMetadataService, for each backend (memory, sqlite, postgres on a
 * private cluster started here). Serial ops measure latency-bound throughput (one NFS slot);
 * "create x8" runs 8 creates in flight, as a client with several RPC slots does.
 *
 *   npx tsx bench/metadata.ts [--n 5000] [--only sqlite]
 *
 * Targets (issue 4, this 2-core machine): SQLite >= 20,000 getattr/s and >= 5,000 creates/s.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import type { MetadataStore } from "../apps/daemon/src/metadata/metadata-store.ts";
import { openMetadataStore } from "../apps/daemon/src/metadata/registry.ts";
import { DefaultMetadataService } from "../apps/daemon/src/metadata/service.ts";
import type { Caller } from "../apps/daemon/src/metadata/types.ts";
import { MemoryBlockStore } from "../apps/daemon/src/payload/block-store/memory.ts";
import { DefaultPayloadService } from "../apps/daemon/src/payload/service.ts";
import { startPostgres } from "../e2e/peers/postgres.ts";

const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const N = Number(arg("n") ?? 5000);
const ONLY = arg("only");
const READDIR_ENTRIES = 1000;
const READDIR_PAGE = 256;
const CALLER: Caller = { uid: 1000, gid: 1000, gids: [] };
const logger = pino({ level: "silent" });

type Result = Record<string, number>;

/**
 * ops per CPU-second of this process, per op name: on a shared, loaded machine wall-clock rates
 * swing with other work; this one does not (PostgreSQL's own CPU is not in it).
 */
const cpuRates: Record<string, Result> = {};
let currentBackend = "";
let currentOp = "";

async function measure(count: number, run: () => Promise<void>): Promise<number> {
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  await run();
  const wallS = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  cpuRates[currentBackend] ??= {};
  cpuRates[currentBackend]![currentOp] = count / ((cpu.user + cpu.system) / 1e6);
  return count / wallS;
}

function op(name: string): void {
  currentOp = name;
}

async function timed(count: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  return measure(count, async () => {
    for (let i = 0; i < count; i++) await fn(i);
  });
}

async function timedParallel(
  count: number,
  inflight: number,
  fn: (i: number) => Promise<unknown>,
): Promise<number> {
  let next = 0;
  return measure(count, async () => {
    await Promise.all(
      Array.from({ length: inflight }, async () => {
        while (next < count) await fn(next++);
      }),
    );
  });
}

async function benchBackend(name: string, store: MetadataStore, n: number): Promise<Result> {
  currentBackend = name;
  const payload = new DefaultPayloadService({
    logger,
    cacheSizeBytes: 1 << 26,
    walDir: null,
    transferConcurrency: 2,
  });
  await payload.addShare("/export", new MemoryBlockStore());
  const svc = new DefaultMetadataService({ logger });
  await svc.addShare(
    {
      name: "/export",
      readOnly: false,
      squash: "none",
      anonUid: 65534,
      anonGid: 65534,
      protocols: { nfs: true, smb: true },
      guest: false,
      metadataStore: "m",
      blockStore: "b",
    },
    store,
  );
  const root = svc.rootHandle("/export");
  const G = { mode: "guarded" as const };
  const out: Result = {};
  const dir = (await svc.mkdir(CALLER, root, "bench", {})).handle;
  op("create");
  out.create = await timed(n, (i) => svc.create(CALLER, dir, `f${i}`, { mode: 0o644 }, G));
  const par = (await svc.mkdir(CALLER, root, "par", {})).handle;
  op("create x8");
  out["create x8"] = await timedParallel(n, 8, (i) => svc.create(CALLER, par, `f${i}`, { mode: 0o644 }, G));
  const handles = await Promise.all(
    Array.from(
      { length: Math.min(n, 1000) },
      async (_, i) => (await svc.lookup(CALLER, dir, `f${i}`)).handle,
    ),
  );
  const m = handles.length;
  op("lookup");
  out.lookup = await timed(n * 4, (i) => svc.lookup(CALLER, dir, `f${(i * 7919) % n}`));
  op("getattr");
  out.getattr = await timed(n * 4, (i) => svc.getattr(handles[(i * 7919) % m]!));
  const big = (await svc.mkdir(CALLER, root, "big", {})).handle;
  for (let i = 0; i < READDIR_ENTRIES; i++) await svc.create(CALLER, big, `e${i}`, {}, G);
  const listings = Math.max(5, Math.floor(n / 200));
  op("readdir 1k (listings/s)");
  out["readdir 1k (listings/s)"] = await timed(listings, async () => {
    let cookie = 0n;
    for (;;) {
      const r = await svc.readdir(CALLER, big, cookie, null, READDIR_PAGE);
      if (r.eof) return;
      cookie = r.entries.at(-1)!.cookie;
    }
  });
  op("rename");
  out.rename = await timed(n, (i) => svc.rename(CALLER, dir, `f${i}`, dir, `g${i}`));
  await svc.removeShare("/export");
  await store.close();
  await payload.close();
  return out;
}

function fmt(v: number): string {
  return Math.round(v).toLocaleString("en-US").padStart(10);
}

async function main(): Promise<void> {
  const results: Record<string, Result> = {};
  const dir = mkdtempSync(join(tmpdir(), "dittofs-bench-meta-"));
  try {
    if (!ONLY || ONLY === "memory") {
      results.memory = await benchBackend(
        "memory",
        await openMetadataStore({ type: "memory" }, { dataDir: dir }),
        N,
      );
    }
    if (!ONLY || ONLY === "sqlite") {
      results.sqlite = await benchBackend(
        "sqlite",
        await openMetadataStore({ type: "sqlite" }, { dataDir: dir }),
        N,
      );
    }
    if (!ONLY || ONLY === "postgres") {
      const pg = await startPostgres();
      try {
        const store = await openMetadataStore({ type: "postgres", url: pg.url }, { dataDir: dir });
        results.postgres = await benchBackend("postgres", store, Math.min(N, 2000));
      } finally {
        await pg.stop();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const backends = Object.keys(results);
  const ops = Object.keys(results[backends[0]!]!);
  console.log(`metadata ops/s through MetadataService (n=${N})`);
  console.log(`${"op".padEnd(26)}${backends.map((b) => b.padStart(10)).join("")}`);
  for (const op of ops) console.log(`${op.padEnd(26)}${backends.map((b) => fmt(results[b]![op]!)).join("")}`);
  console.log(`\nops per CPU-second of the benchmark process (load-independent; excludes PostgreSQL's CPU)`);
  for (const op of ops)
    console.log(`${op.padEnd(26)}${backends.map((b) => fmt(cpuRates[b]![op]!)).join("")}`);
  const s = results.sqlite;
  if (s !== undefined) {
    const c = cpuRates.sqlite!;
    console.log(
      `sqlite getattr/s vs target 20,000: ${(s.getattr! / 20_000).toFixed(2)}x (per CPU-second ${(c.getattr! / 20_000).toFixed(2)}x)`,
    );
    console.log(
      `sqlite create/s vs target 5,000: ${(s.create! / 5_000).toFixed(2)}x (x8 in flight: ${(s["create x8"]! / 5_000).toFixed(2)}x)`,
    );
  }
  console.log(
    `load average at end: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")} on ${cpus().length} cores`,
  );
  console.log(JSON.stringify({ wall: results, cpu: cpuRates }));
}

await main();

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
import { tmpdir } from "node:os";
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

async function timed(count: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < count; i++) await fn(i);
  return count / ((performance.now() - start) / 1000);
}

async function timedParallel(
  count: number,
  inflight: number,
  fn: (i: number) => Promise<unknown>,
): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: inflight }, async () => {
      while (next < count) await fn(next++);
    }),
  );
  return count / ((performance.now() - start) / 1000);
}

async function benchBackend(store: MetadataStore, n: number): Promise<Result> {
  const payload = new DefaultPayloadService({
    logger,
    cacheSizeBytes: 1 << 26,
    walDir: null,
    transferConcurrency: 2,
  });
  await payload.addShare("/export", new MemoryBlockStore());
  const svc = new DefaultMetadataService({ logger, payload });
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
  out.create = await timed(n, (i) => svc.create(CALLER, dir, `f${i}`, { mode: 0o644 }, G));
  const par = (await svc.mkdir(CALLER, root, "par", {})).handle;
  out["create x8"] = await timedParallel(n, 8, (i) => svc.create(CALLER, par, `f${i}`, { mode: 0o644 }, G));
  const handles = await Promise.all(
    Array.from(
      { length: Math.min(n, 1000) },
      async (_, i) => (await svc.lookup(CALLER, dir, `f${i}`)).handle,
    ),
  );
  const m = handles.length;
  out.lookup = await timed(n * 4, (i) => svc.lookup(CALLER, dir, `f${(i * 7919) % n}`));
  out.getattr = await timed(n * 4, (i) => svc.getattr(handles[(i * 7919) % m]!));
  const big = (await svc.mkdir(CALLER, root, "big", {})).handle;
  for (let i = 0; i < READDIR_ENTRIES; i++) await svc.create(CALLER, big, `e${i}`, {}, G);
  const listings = Math.max(5, Math.floor(n / 200));
  out["readdir 1k (listings/s)"] = await timed(listings, async () => {
    let cookie = 0n;
    for (;;) {
      const r = await svc.readdir(CALLER, big, cookie, null, READDIR_PAGE);
      if (r.eof) return;
      cookie = r.entries.at(-1)!.cookie;
    }
  });
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
      results.memory = await benchBackend(await openMetadataStore({ type: "memory" }, { dataDir: dir }), N);
    }
    if (!ONLY || ONLY === "sqlite") {
      results.sqlite = await benchBackend(await openMetadataStore({ type: "sqlite" }, { dataDir: dir }), N);
    }
    if (!ONLY || ONLY === "postgres") {
      const pg = await startPostgres();
      try {
        const store = await openMetadataStore({ type: "postgres", url: pg.url }, { dataDir: dir });
        results.postgres = await benchBackend(store, Math.min(N, 2000));
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
  const s = results.sqlite;
  if (s !== undefined) {
    console.log(`sqlite getattr/s vs target 20,000: ${(s.getattr! / 20_000).toFixed(2)}x`);
    console.log(
      `sqlite create/s vs target 5,000: ${(s.create! / 5_000).toFixed(2)}x (x8 in flight: ${(s["create x8"]! / 5_000).toFixed(2)}x)`,
    );
  }
  console.log(JSON.stringify(results));
}

await main();

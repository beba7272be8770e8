/**
 * Probe (development aid, not a benchmark): time spent per prepared statement of the SQLite store
 * for N creates, then N removes, through DefaultMetadataService. Shows which statement a change
 * to the create/remove path should target.
 *
 *   [CHECKPOINT_EVERY=n] npx tsx bench/metadata-stmt-probe.ts [N]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { DefaultMetadataService } from "../apps/daemon/src/metadata/service.ts";
import { SqliteMetadataStore } from "../apps/daemon/src/metadata/stores/sqlite.ts";
import { MemoryBlockStore } from "../apps/daemon/src/payload/block-store/memory.ts";
import { DefaultPayloadService } from "../apps/daemon/src/payload/service.ts";

const N = Number(process.argv[2] ?? 20000);
const logger = pino({ level: "silent" });
const payload = new DefaultPayloadService({
  logger,
  cacheSizeBytes: 1 << 26,
  walDir: null,
  transferConcurrency: 2,
});
await payload.addShare("/export", new MemoryBlockStore());
const svc = new DefaultMetadataService({ logger });
const dir = mkdtempSync(join(tmpdir(), "dittofs-stmt-probe-"));
// CHECKPOINT_EVERY=n: commits between worker checkpoints (a huge n leaves them to SQLite's own).
const every = process.env.CHECKPOINT_EVERY;
const store = SqliteMetadataStore.open(join(dir, "m.sqlite"), {
  checkpointEveryCommits: every === undefined ? undefined : Number(every),
});
await svc.addShare(
  {
    name: "/export",
    readOnly: false,
    squash: "none",
    anonUid: 1,
    anonGid: 1,
    protocols: { nfs: true, smb: true },
    guest: false,
    metadataStore: "m",
    blockStore: "b",
  },
  store,
);

type Stmt = Record<"run" | "get" | "all", (...a: unknown[]) => unknown>;
/** A statement slower than this is counted as a stall (a WAL checkpoint's fsync, preemption). */
const SLOW_MS = 2;
const ms = new Map<string, { n: number; ms: number; max: number; slow: number }>();
// The statements are private: reached through the instance for this probe only.
const st = (store as unknown as { st: Record<string, Stmt> }).st;
for (const [name, s] of Object.entries(st)) {
  for (const m of ["run", "get", "all"] as const) {
    const orig = s[m].bind(s);
    s[m] = (...a: unknown[]) => {
      const t0 = performance.now();
      try {
        return orig(...a);
      } finally {
        const e = ms.get(name) ?? { n: 0, ms: 0, max: 0, slow: 0 };
        const took = performance.now() - t0;
        e.n++;
        e.ms += took;
        e.max = Math.max(e.max, took);
        if (took > SLOW_MS) e.slow++;
        ms.set(name, e);
      }
    };
  }
}

function report(what: string, wallMs: number, cpu: NodeJS.CpuUsage): void {
  const cpuUs = (cpu.user + cpu.system) / N;
  console.log(
    `${what}: ${((wallMs * 1000) / N).toFixed(1)} µs/op wall, ${cpuUs.toFixed(1)} µs/op CPU (sys ${(cpu.system / N).toFixed(1)})`,
  );
  for (const [k, v] of [...ms].sort((a, b) => b[1].ms - a[1].ms))
    console.log(
      `  ${k.padEnd(12)} ${(v.n / N).toFixed(2)}/op ${((v.ms * 1000) / N).toFixed(2)} µs/op, max ${(v.max * 1000).toFixed(0)} µs, ${v.slow} over ${SLOW_MS} ms`,
    );
  ms.clear();
}

const root = svc.rootHandle("/export");
const C = { uid: 1000, gid: 1000, gids: [] };
let t = performance.now();
let cpu = process.cpuUsage();
for (let i = 0; i < N; i++) await svc.create(C, root, `f${i}`, {}, { mode: "guarded" });
report("create", performance.now() - t, process.cpuUsage(cpu));
t = performance.now();
cpu = process.cpuUsage();
for (let i = 0; i < N; i++) await svc.remove(C, root, `f${i}`);
report("remove", performance.now() - t, process.cpuUsage(cpu));
await store.close();
await payload.close();
rmSync(dir, { recursive: true, force: true });

/**
 * Probe (development aid, not a benchmark): time spent per prepared statement of the SQLite store
 * for N creates, then N removes, through DefaultMetadataService. Shows which statement a change
 * to the create/remove path should target.
 *
 *   npx tsx bench/metadata-stmt-probe.ts [N]
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
const svc = new DefaultMetadataService({ logger, payload });
const dir = mkdtempSync(join(tmpdir(), "dittofs-stmt-probe-"));
const store = SqliteMetadataStore.open(join(dir, "m.sqlite"));
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
const ms = new Map<string, { n: number; ms: number }>();
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
        const e = ms.get(name) ?? { n: 0, ms: 0 };
        e.n++;
        e.ms += performance.now() - t0;
        ms.set(name, e);
      }
    };
  }
}

function report(what: string, wallMs: number): void {
  console.log(`${what}: ${((wallMs * 1000) / N).toFixed(1)} µs/op wall`);
  for (const [k, v] of [...ms].sort((a, b) => b[1].ms - a[1].ms))
    console.log(`  ${k.padEnd(12)} ${(v.n / N).toFixed(2)}/op ${((v.ms * 1000) / N).toFixed(2)} µs/op`);
  ms.clear();
}

const root = svc.rootHandle("/export");
const C = { uid: 1000, gid: 1000, gids: [] };
let t = performance.now();
for (let i = 0; i < N; i++) await svc.create(C, root, `f${i}`, {}, { mode: "guarded" });
report("create", performance.now() - t);
t = performance.now();
for (let i = 0; i < N; i++) await svc.remove(C, root, `f${i}`);
report("remove", performance.now() - t);
await store.close();
await payload.close();
rmSync(dir, { recursive: true, force: true });

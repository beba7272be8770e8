/**
 * Starts the daemon of a source tree (default: this one) as its own process for bench/hostile.ts:
 * SQLite metadata, fs blocks and WAL in a temp dir, HTTP and every adapter on 127.0.0.1 free
 * ports, logging off. Prints one JSON line `{ nfs, smb, http }` on stdout, runs until SIGTERM.
 *
 *   npx tsx bench/hostile-daemon.ts --tree /path/to/checkout [--budget 320MiB] [--cache 64MiB]
 *
 * --budget is `memory.budget` (older trees: `connections.bufferBudget`), --cache `cache.size`.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    tree: { type: "string", default: resolve(import.meta.dirname, "..") },
    budget: { type: "string" },
    cache: { type: "string" },
  },
});
const src = join(resolve(values.tree), "apps/daemon/src");
const { resolveConfig } = await import(join(src, "config/load.ts"));
const { createDaemon } = await import(join(src, "daemon.ts"));
const { pino } = await import("pino");

/** The budget's key in the tree's config schema (it moved when it came to cover the whole process). */
function budgetConfig(budget: string): Record<string, unknown> {
  const schema = readFileSync(join(src, "config/schema.ts"), "utf8");
  return schema.includes("bufferBudget: byteSizeSchema")
    ? { connections: { bufferBudget: budget } }
    : { memory: { budget } };
}

const dir = mkdtempSync(join(tmpdir(), "hostile-daemon-"));
const config = resolveConfig({
  dataDir: join(dir, "data"),
  http: { listen: "127.0.0.1:0" },
  logging: { level: "silent" },
  ...(values.cache ? { cache: { size: values.cache } } : {}),
  ...(values.budget ? budgetConfig(values.budget) : {}),
});
const daemon = await createDaemon(config, {
  logger: pino({ level: "silent" }),
  adapterHost: "127.0.0.1",
  adapterPortOverride: 0,
  env: { DITTOFS_ADMIN_PASSWORD: "hostile-Bench-pass1" },
  print: () => {},
});
await daemon.start();
const port = (type: string) => daemon.runtime.adapterStatus(type).port;
process.stdout.write(`${JSON.stringify({ nfs: port("nfs"), smb: port("smb"), http: daemon.httpUrl })}\n`);
process.on("SIGTERM", () => {
  void daemon.stop().finally(() => {
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
});

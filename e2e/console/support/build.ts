/**
 * Builds the console with `next build` when there is no build yet or a source file is newer than
 * it, so `npm test` always exercises the current code and repeated runs skip the ~15 s build.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const SKIP_DIRS = new Set(["node_modules", ".next", "test-results", "playwright-report"]);

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP_DIRS.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.isFile()) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

export function ensureConsoleBuild(repoRoot: string): void {
  const consoleDir = join(repoRoot, "apps", "console");
  const marker = join(consoleDir, ".next", "BUILD_ID");
  const sources = Math.max(newestMtime(consoleDir), newestMtime(join(repoRoot, "packages", "shared", "src")));
  if (existsSync(marker) && statSync(marker).mtimeMs >= sources) return;
  const started = Date.now();
  const r = spawnSync(
    process.execPath,
    [join(repoRoot, "node_modules", "next", "dist", "bin", "next"), "build"],
    {
      cwd: consoleDir,
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
      encoding: "utf8",
    },
  );
  if (r.status !== 0) {
    throw new Error(`next build failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  }
  process.stdout.write(`console: next build took ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

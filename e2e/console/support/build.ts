/**
 * Builds the console with `next build` when there is no build yet or a source file is newer than
 * it, so `npm test` always exercises the current code and repeated runs skip the ~15 s build.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
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

function isFresh(repoRoot: string): boolean {
  const consoleDir = join(repoRoot, "apps", "console");
  const marker = join(consoleDir, ".next", "BUILD_ID");
  const sources = Math.max(newestMtime(consoleDir), newestMtime(join(repoRoot, "packages", "shared", "src")));
  return existsSync(marker) && statSync(marker).mtimeMs >= sources;
}

/** How long a run waits for another run's build before giving up. */
const BUILD_LOCK_WAIT_MS = 5 * 60_000;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Two test runs on one machine must not write .next at the same time: the build holds a lock
 * directory (with the builder's PID, so a crashed builder's lock is taken over).
 */
async function withBuildLock(repoRoot: string, fn: () => void): Promise<void> {
  const lock = join(repoRoot, ".cache", "console-build.lock");
  mkdirSync(join(repoRoot, ".cache"), { recursive: true });
  const deadline = Date.now() + BUILD_LOCK_WAIT_MS;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, "pid"), String(process.pid));
      break;
    } catch {
      const holder = Number(existsSync(join(lock, "pid")) ? readFileSync(join(lock, "pid"), "utf8") : "0");
      if (holder > 0 && !pidAlive(holder)) rmSync(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`another run holds ${lock} (pid ${holder})`);
      else await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export async function ensureConsoleBuild(repoRoot: string): Promise<void> {
  if (isFresh(repoRoot)) return;
  await withBuildLock(repoRoot, () => {
    if (!isFresh(repoRoot)) build(repoRoot);
  });
}

function build(repoRoot: string): void {
  const consoleDir = join(repoRoot, "apps", "console");
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

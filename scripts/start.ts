/**
 * `npm start`: builds what is missing (the console's `next build` when its sources are newer than
 * the last build), starts the daemon with embedded defaults under ./data (or ./dittofs.yaml when
 * present) and the console on port 3000 pointed at the daemon, prints where everything is, and
 * forwards SIGINT/SIGTERM to both. When either process exits, the other is stopped too.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { CONFIG_ERROR_EXIT_CODE, ConfigError, loadConfig } from "../apps/daemon/src/config/load.ts";

const root = join(import.meta.dirname, "..");
const consoleDir = join(root, "apps", "console");
const CONSOLE_PORT = Number(process.env.CONSOLE_PORT ?? 3000);
const CONSOLE_HOST = process.env.CONSOLE_HOST ?? "127.0.0.1";
/** How long to wait for the daemon's /health before giving up. */
const DAEMON_READY_TIMEOUT_MS = 60_000;
/** Directories never worth scanning for console sources. */
const SKIP_DIRS = new Set(["node_modules", ".next", "test-results", "playwright-report"]);

function newestMtimeMs(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (SKIP_DIRS.has(entry)) continue;
    newest = Math.max(newest, newestMtimeMs(join(path, entry)));
  }
  return newest;
}

function consoleHasApp(): boolean {
  return existsSync(join(consoleDir, "app", "layout.tsx")) && existsSync(join(consoleDir, "package.json"));
}

/**
 * Runs `next build` unless .next/BUILD_ID is newer than every console and shared source file.
 * Returns false when the build failed: the daemon still starts, without the console.
 */
function buildConsoleIfNeeded(): boolean {
  const buildId = join(consoleDir, ".next", "BUILD_ID");
  const built = existsSync(buildId) ? statSync(buildId).mtimeMs : 0;
  const sources = Math.max(newestMtimeMs(consoleDir), newestMtimeMs(join(root, "packages", "shared", "src")));
  if (built >= sources) return true;
  console.log("building the console (next build)…");
  const r = spawnSync("npx", ["next", "build"], { cwd: consoleDir, stdio: "inherit" });
  if (r.status === 0) return true;
  console.error("console build failed: starting the daemon without the console");
  return false;
}

async function waitForHealth(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + DAEMON_READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`daemon exited with status ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`daemon did not answer ${url}/health within ${DAEMON_READY_TIMEOUT_MS / 1000} s`);
}

function adminPasswordFiles(dataDir: string): string[] {
  if (!existsSync(dataDir)) return [];
  return readdirSync(dataDir)
    .filter((name) => name.startsWith("admin-password"))
    .map((name) => join(dataDir, name));
}

async function main(): Promise<void> {
  const hasConsole = consoleHasApp() && buildConsoleIfNeeded();

  // Same resolution as the daemon's: ./dittofs.yaml if present, DITTOFS_*, else defaults (./data).
  const config = loadConfig({ cwd: root });
  const host = config.http.host === "0.0.0.0" || config.http.host === "::" ? "127.0.0.1" : config.http.host;
  const daemonUrl = `http://${host.includes(":") ? `[${host}]` : host}:${config.http.port}`;

  const children: ChildProcess[] = [];
  const daemon = spawn(process.execPath, [join(root, "apps", "daemon", "bin", "dfs.mjs"), "start"], {
    cwd: root,
    stdio: "inherit",
    env: { DITTOFS_LOG_FORMAT: "pretty", ...process.env },
  });
  children.push(daemon);
  let stopping = false;
  const stopAll = (signal: NodeJS.Signals) => {
    stopping = true;
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => stopAll(signal));
  const exited = children.map(
    (child) => new Promise<number>((resolve) => child.on("exit", (code) => resolve(code ?? 0))),
  );

  await waitForHealth(daemonUrl, daemon);
  if (hasConsole && !stopping) {
    // server.ts, not `next start`: it sets X-Forwarded-For from the browser's TCP peer.
    const next = spawn(
      process.execPath,
      ["server.ts", "--port", String(CONSOLE_PORT), "--hostname", CONSOLE_HOST],
      {
        cwd: consoleDir,
        stdio: "inherit",
        env: { ...process.env, DAEMON_URL: daemonUrl },
      },
    );
    children.push(next);
    exited.push(new Promise<number>((resolve) => next.on("exit", (code) => resolve(code ?? 0))));
  }

  console.log("");
  console.log(`DittoFS API     ${daemonUrl}  (health: ${daemonUrl}/health, metrics: ${daemonUrl}/metrics)`);
  if (hasConsole) console.log(`DittoFS console http://${CONSOLE_HOST}:${CONSOLE_PORT}`);
  const passwordFiles = adminPasswordFiles(config.dataDir);
  for (const file of passwordFiles) console.log(`admin password  in ${file} (user: admin)`);
  if (passwordFiles.length === 0)
    console.log("admin password  the one given in DITTOFS_ADMIN_PASSWORD at first start");
  console.log("stop with Ctrl-C");

  // The first child to exit takes the others down; the script exits with the first non-zero status.
  const first = await Promise.race(exited);
  if (!stopping) stopAll("SIGTERM");
  const statuses = await Promise.all(exited);
  process.exit(first !== 0 ? first : (statuses.find((s) => s !== 0) ?? 0));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(err instanceof ConfigError ? CONFIG_ERROR_EXIT_CODE : 1);
});

/**
 * The stack the console suite runs against, all on 127.0.0.1: a real daemon (createDaemon, fresh
 * temp data dir, free ports), the built console (its server.ts), an S3 server (s3rver) and a
 * private PostgreSQL for the store forms. Everything is stopped by PID in reverse order.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import S3rver from "s3rver";
import { freePort } from "../../peers/ports.ts";
import { type PostgresPeer, startPostgres } from "../../peers/postgres.ts";
import { signIn } from "./api.ts";
import { ensureConsoleBuild } from "./build.ts";
import { DAEMON_NAME, type StackEnv } from "./env.ts";
import { type Service, startService, waitForHttp } from "./processes.ts";

export const ADMIN_PASSWORD = "console-e2e-Admin1";
export const S3_BUCKET = "console-e2e";

export interface Stack {
  env: StackEnv;
  stop(): Promise<void>;
}

function daemonConfig(dataDir: string, httpPort: number): string {
  return [
    `dataDir: ${JSON.stringify(dataDir)}`,
    "daemon:",
    `  name: ${DAEMON_NAME}`,
    "http:",
    `  listen: "127.0.0.1:${httpPort}"`,
    // As advised for a console beside the daemon: auth.spec checks a browser cannot use it to forge an address.
    '  trustedProxies: ["127.0.0.1", "::1"]',
    "logging:",
    "  level: warn",
    "  format: json",
    "cache:",
    "  size: 64MiB",
    "",
  ].join("\n");
}

export type Cleanups = (() => Promise<void>)[];

/** A daemon on `dir`'s data; `port` again (same data) restarts one a spec stopped. */
export async function startDaemon(
  root: string,
  dir: string,
  cleanups: Cleanups,
  httpPort?: number,
): Promise<{ service: Service; url: string; dataDir: string; port: number }> {
  const dataDir = join(dir, "data");
  mkdirSync(dataDir, { recursive: true });
  const port = httpPort ?? (await freePort());
  const configPath = join(dir, "dittofs.yaml");
  writeFileSync(configPath, daemonConfig(dataDir, port));
  const service = startService(
    "daemon",
    process.execPath,
    [
      "--import",
      pathToFileURL(join(root, "node_modules/tsx/dist/loader.mjs")).href,
      join(import.meta.dirname, "daemon-main.ts"),
      configPath,
    ],
    {
      cwd: dir,
      env: { ...process.env, DITTOFS_ADMIN_PASSWORD: ADMIN_PASSWORD },
      log: join(dir, "daemon.log"),
    },
  );
  cleanups.push(() => service.stop());
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(service, `${url}/health`, 200);
  return { service, url, dataDir, port };
}

export async function startConsole(
  root: string,
  dir: string,
  daemonUrl: string,
  cleanups: Cleanups,
): Promise<{ service: Service; url: string }> {
  const port = await freePort();
  const service = startService(
    "console",
    process.execPath,
    // The console's own server (as `npm start`): X-Forwarded-For from the TCP peer.
    [join(root, "apps/console/server.ts"), "--port", String(port), "--hostname", "127.0.0.1"],
    {
      cwd: join(root, "apps/console"),
      env: { ...process.env, DAEMON_URL: daemonUrl, NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production" },
      log: join(dir, "console.log"),
    },
  );
  cleanups.push(() => service.stop());
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(service, `${url}/login`, 200);
  return { service, url };
}

async function startS3(dir: string): Promise<{ server: S3rver; endpoint: string }> {
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory: join(dir, "s3"),
    configureBuckets: [{ name: S3_BUCKET, configs: [] }],
  });
  const address = (await server.run()) as { port: number };
  return { server, endpoint: `http://127.0.0.1:${address.port}` };
}

export async function startStack(root: string): Promise<Stack> {
  await ensureConsoleBuild(root);
  const dir = mkdtempSync(join(tmpdir(), "dittofs-console-e2e-"));
  // The daemon's and the console's logs outlive the run (next to Playwright's artifacts).
  const keepLogs = async () => {
    const logs = join(root, ".cache", "playwright", "stack-logs");
    mkdirSync(logs, { recursive: true });
    for (const name of ["daemon.log", "console.log"]) {
      if (existsSync(join(dir, name))) copyFileSync(join(dir, name), join(logs, name));
    }
  };
  const cleanups: Cleanups = [async () => rmSync(dir, { recursive: true, force: true }), keepLogs];
  const stop = async () => {
    for (const fn of cleanups.reverse()) await fn().catch(() => {});
  };
  try {
    const [pg, s3] = await Promise.all([startPostgres(), startS3(dir)]);
    cleanups.push(
      () => (pg as PostgresPeer).stop(),
      () => s3.server.close(),
    );
    const daemon = await startDaemon(root, dir, cleanups);
    const [consoleApp, admin] = await Promise.all([
      startConsole(root, dir, daemon.url, cleanups),
      signIn(daemon.url, "admin", ADMIN_PASSWORD),
    ]);
    return {
      env: {
        consoleUrl: consoleApp.url,
        daemonUrl: daemon.url,
        adminPassword: ADMIN_PASSWORD,
        adminToken: admin.token,
        s3Endpoint: s3.endpoint,
        pgUrl: pg.url,
        dataDir: daemon.dataDir,
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

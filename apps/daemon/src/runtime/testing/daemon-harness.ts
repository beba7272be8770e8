/**
 * An in-process daemon for tests: HTTP on 127.0.0.1 port 0 (or a given port, to restart on the
 * same URL), every adapter on 127.0.0.1 port 0, the TCP test adapter registered, a cheap scrypt,
 * and the data dir (and SQLite database) in a temp dir unless a PostgreSQL URL is given.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { resolveConfig } from "../../config/load.ts";
import { createDaemon, type Daemon } from "../../daemon.ts";
import type { HttpTimeouts } from "../../http/server.ts";
import { adapterFactories } from "../adapter-registry.ts";
import { createTcpTestAdapter, TEST_PROTOCOL } from "./tcp-test-adapter.ts";

export const TEST_ADMIN_PASSWORD = "admin-test-password";

export interface DaemonHarnessOptions {
  postgresUrl?: string;
  /** Extra config keys (e.g. declared stores/shares). */
  config?: Record<string, unknown>;
  /** Environment for the first start; default sets DITTOFS_ADMIN_PASSWORD. */
  env?: NodeJS.ProcessEnv;
  /** Shorter HTTP slow-client deadlines than the daemon's. */
  httpTimeouts?: HttpTimeouts;
}

export function daemonHarness(opts: DaemonHarnessOptions = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), "dittofs-daemon-"));
  const printed: string[] = [];
  let daemon: Daemon | null = null;
  let port = 0;

  const start = async (): Promise<Daemon> => {
    const config = resolveConfig({
      dataDir,
      http: { listen: `127.0.0.1:${port}` },
      logging: { level: "silent" },
      cache: { size: "64MiB" },
      ...(opts.postgresUrl ? { database: { postgres: opts.postgresUrl } } : {}),
      ...opts.config,
    });
    daemon = await createDaemon(config, {
      logger: pino({ level: "silent" }),
      adapters: { ...adapterFactories, [TEST_PROTOCOL]: createTcpTestAdapter },
      adapterHost: "127.0.0.1",
      adapterPortOverride: 0,
      env: opts.env ?? { DITTOFS_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD },
      scrypt: { N: 1024, r: 8, p: 1 },
      print: (line) => printed.push(line),
      httpTimeouts: opts.httpTimeouts,
    });
    try {
      await daemon.start();
    } catch (err) {
      await daemon.stop();
      daemon = null;
      throw err;
    }
    port = Number(new URL(daemon.httpUrl).port);
    return daemon;
  };
  const stop = async () => {
    await daemon?.stop();
    daemon = null;
  };
  return {
    dataDir,
    printed,
    start,
    stop,
    /** The running daemon (the one the last start or restart returned). */
    current(): Daemon {
      if (daemon === null) throw new Error("daemon harness: not started");
      return daemon;
    },
    /** Stops and starts again on the same database, data dir and HTTP port. */
    async restart(): Promise<Daemon> {
      await stop();
      return start();
    },
    async dispose() {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Builds a Runtime on a real ControlStore (SQLite file or a fresh PostgreSQL database) with the
 * real services, adapters bound to 127.0.0.1 port 0, and the TCP test adapter registered.
 * `restart()` stops the Runtime and builds a new one on the same database and data dir.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { Registry } from "prom-client";
import { testDatabaseUrl } from "../../../../../e2e/peers/test-db.ts";
import { type ControlStore, openControlStore } from "../../control/store/control-store.ts";
import { openMetadataStore } from "../../metadata/registry.ts";
import { DefaultMetadataService } from "../../metadata/service.ts";
import { openBlockStore } from "../../payload/registry.ts";
import { DefaultPayloadService } from "../../payload/service.ts";
import { adapterFactories } from "../adapter-registry.ts";
import { Runtime, type RuntimeOptions } from "../runtime.ts";
import type { RuntimeServices } from "../services.ts";
import { createTcpTestAdapter, TEST_PROTOCOL } from "./tcp-test-adapter.ts";

export type Dialect = "sqlite" | "postgres";
const TEST_SCRYPT = { N: 1024, r: 8, p: 1 };

export function buildServices(dataDir: string, logger = pino({ level: "silent" })): RuntimeServices {
  const payload = new DefaultPayloadService({
    logger,
    cacheSizeBytes: 64 * 1024 * 1024,
    walDir: join(dataDir, "wal"),
    transferConcurrency: 4,
  });
  return {
    payload,
    metadata: new DefaultMetadataService({ logger }),
    openMetadataStore: (config, opts) =>
      openMetadataStore(config as Parameters<typeof openMetadataStore>[0], opts),
    openBlockStore: (config, opts) => openBlockStore(config as Parameters<typeof openBlockStore>[0], opts),
  };
}

/** `options` are passed to every Runtime it builds (e.g. shorter store timeouts). */
export async function runtimeHarness(dialect: Dialect, options: Partial<RuntimeOptions> = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), "dittofs-runtime-"));
  const where =
    dialect === "postgres"
      ? { postgresUrl: await testDatabaseUrl("runtime"), scrypt: TEST_SCRYPT }
      : { sqlitePath: join(dataDir, "control.db"), scrypt: TEST_SCRYPT };
  let store: ControlStore | null = null;
  let runtime: Runtime | null = null;

  const start = async (): Promise<{ store: ControlStore; runtime: Runtime }> => {
    store = await openControlStore(where);
    runtime = new Runtime({
      store,
      services: buildServices(dataDir),
      logger: pino({ level: "silent" }),
      dataDir,
      metricsRegistry: new Registry(),
      adapters: { ...adapterFactories, [TEST_PROTOCOL]: createTcpTestAdapter },
      adapterHost: "127.0.0.1",
      ...options,
    });
    await runtime.loadFromStore();
    return { store, runtime };
  };
  const stop = async () => {
    await runtime?.stop();
    await store?.close();
    runtime = null;
    store = null;
  };
  return {
    dataDir,
    start,
    stop,
    async restart() {
      await stop();
      return start();
    },
    /** The stored record, read through the current store. */
    storeRecord(kind: "metadata" | "block", name: string) {
      if (store === null) throw new Error("not started");
      return store.getStore(kind, name);
    },
    async dispose() {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

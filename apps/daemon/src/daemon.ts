/**
 * The composition root (docs/architecture.md "Composition root and configuration"): config → control store (+ first-start bootstrap and
 * declared config) → services → Runtime → HTTP server. `createDaemon` builds everything and
 * returns `{ start, stop }`; nothing here is a module-level singleton, so tests run several
 * daemons in one process.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "pino";
import { collectDefaultMetrics, Registry } from "prom-client";
import type { DaemonConfig } from "./config/load.ts";
import { createLogger } from "./config/logger.ts";
import { ADMIN_USERNAME, applyDeclaredConfig, bootstrapControlPlane } from "./control/bootstrap.ts";
import { type ControlStore, openControlStore } from "./control/store/control-store.ts";
import type { ScryptParams } from "./control/store/passwords.ts";
import { adapterReadiness } from "./http/adapter-readiness.ts";
import { trustedProxies } from "./http/client-address.ts";
import { createHttpServer, type HttpTimeouts } from "./http/server.ts";
import { createTrpcHandler } from "./http/trpc.ts";
import { openMetadataStore } from "./metadata/registry.ts";
import { DefaultMetadataService } from "./metadata/service.ts";
import { openBlockStore } from "./payload/registry.ts";
import { DefaultPayloadService } from "./payload/service.ts";
import type { AdapterRegistry } from "./runtime/adapter-registry.ts";
import { Runtime } from "./runtime/runtime.ts";
import type { RuntimeServices } from "./runtime/services.ts";
import { DAEMON_VERSION } from "./runtime/version.ts";

/** Where a generated admin password is kept (0600) so it is never lost. */
export const ADMIN_PASSWORD_FILE = "admin-password";
/** 18 random bytes → 24 base64url characters (144 bits). */
const GENERATED_PASSWORD_BYTES = 18;

export interface DaemonDeps {
  logger?: Logger;
  /** Protocol → adapter factory; defaults to the built-in registry. */
  adapters?: AdapterRegistry;
  /** Address adapters bind unless their settings say otherwise (default 0.0.0.0). */
  adapterHost?: string;
  /** Every adapter binds this port instead of its row's (0 in tests). */
  adapterPortOverride?: number;
  /** Read for DITTOFS_ADMIN_PASSWORD. */
  env?: NodeJS.ProcessEnv;
  /** scrypt cost (tests lower it); the store's default otherwise. */
  scrypt?: ScryptParams;
  /** Where first-start messages go (default stdout). */
  print?: (line: string) => void;
  /** HTTP slow-client deadlines (tests shorten them); HTTP_TIMEOUT_DEFAULTS otherwise. */
  httpTimeouts?: HttpTimeouts;
}

export interface Daemon {
  runtime: Runtime;
  store: ControlStore;
  logger: Logger;
  /** `http://host:port` once started (the bound port when the config said 0). */
  readonly httpUrl: string;
  /** Set when this start created the admin user with a generated password. */
  readonly adminPasswordFile: string | null;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function createDaemon(config: DaemonConfig, deps: DaemonDeps = {}): Promise<Daemon> {
  const logger = deps.logger ?? createLogger(config.logging);
  const print = deps.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const store = await openControlStore(
    config.database.kind === "postgres"
      ? { postgresUrl: config.database.url, scrypt: deps.scrypt }
      : { sqlitePath: config.database.path, scrypt: deps.scrypt },
  );
  let adminPasswordFile: string | null;
  try {
    adminPasswordFile = await firstStart(store, config, deps.env ?? process.env, print);
    const applied = await applyDeclaredConfig(store, config.declared);
    if (applied.created.length + applied.updated.length > 0) logger.info(applied, "declared config applied");
  } catch (err) {
    await store.close();
    throw err;
  }

  const metricsRegistry = new Registry();
  collectDefaultMetrics({ register: metricsRegistry });
  const runtime = new Runtime({
    store,
    services: buildServices(config, logger),
    logger,
    dataDir: config.dataDir,
    metricsRegistry,
    adapters: deps.adapters,
    adapterHost: deps.adapterHost,
    adapterPortOverride: deps.adapterPortOverride,
    daemonName: config.daemonName,
    storeTimeouts: config.storeTimeouts,
    memoryBudgetBytes: config.memoryBudgetBytes,
  });
  const http = createHttpServer({
    logger,
    version: DAEMON_VERSION,
    startedAt: runtime.info().startedAt,
    daemon: runtime.daemon,
    trpc: createTrpcHandler({
      store,
      runtime,
      logger,
      logons: runtime.logons,
      trustedProxies: trustedProxies(config.trustedProxies),
    }),
    readiness: async () => [
      ...(await runtime.readiness()),
      ...adapterReadiness(runtime.adapterRecords(), runtime.adapterStatuses()),
    ],
    metricsRegistry,
    timeouts: deps.httpTimeouts,
  });

  let stopped: Promise<void> | null = null;
  return {
    runtime,
    store,
    logger,
    adminPasswordFile,
    get httpUrl() {
      if (http.url === null) throw new Error("daemon not started");
      return http.url;
    },
    async start() {
      await runtime.loadFromStore();
      const url = await http.listen(config.http.host, config.http.port);
      logger.info({ url, dataDir: config.dataDir, version: DAEMON_VERSION }, "dittofs started");
    },
    stop() {
      stopped ??= (async () => {
        await http.close();
        await runtime.stop();
        await store.close();
        logger.info("dittofs stopped");
      })();
      return stopped;
    },
  };
}

function buildServices(config: DaemonConfig, logger: Logger): RuntimeServices {
  const payload = new DefaultPayloadService({
    logger: logger.child({ service: "payload" }),
    cacheSizeBytes: config.cacheSizeBytes,
    walDir: config.walDir,
    transferConcurrency: config.transferConcurrency,
    scaleout: config.scaleout,
  });
  return {
    payload,
    metadata: new DefaultMetadataService({ logger: logger.child({ service: "metadata" }) }),
    openMetadataStore: (c, opts) => openMetadataStore(c as Parameters<typeof openMetadataStore>[0], opts),
    openBlockStore: (c, opts) =>
      openBlockStore(c as Parameters<typeof openBlockStore>[0], {
        ...opts,
        logger: logger.child({ service: "blocks" }),
      }),
  };
}

/**
 * Seeds an empty control plane. A generated password is written to its 0600 file *before* the
 * admin row is committed, so a crash in between cannot leave an admin whose password nobody has.
 */
async function firstStart(
  store: ControlStore,
  config: DaemonConfig,
  env: NodeJS.ProcessEnv,
  print: (line: string) => void,
): Promise<string | null> {
  if ((await store.countUsers()) > 0) return null;
  const given = env.DITTOFS_ADMIN_PASSWORD;
  const password =
    given !== undefined && given !== "" ? given : randomBytes(GENERATED_PASSWORD_BYTES).toString("base64url");
  const file = join(config.dataDir, ADMIN_PASSWORD_FILE);
  const generated = password !== given;
  if (generated) writeSecret(file, `${password}\n`);
  const result = await bootstrapControlPlane(store, { adminPassword: password, dataDir: config.dataDir });
  if (!result.created) return null;
  if (generated) {
    print(`DittoFS first start: created user "${ADMIN_USERNAME}" with password ${password}`);
    print(`The admin password is saved in ${file} (mode 0600). Change it after logging in.`);
    return file;
  }
  print(
    `DittoFS first start: created user "${ADMIN_USERNAME}" with the password from DITTOFS_ADMIN_PASSWORD`,
  );
  return null;
}

function writeSecret(path: string, content: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode: 0o600 });
  renameSync(tmp, path);
}

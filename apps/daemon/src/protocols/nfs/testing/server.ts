/**
 * Runs the NFS adapter on 127.0.0.1 over the real services, for tests, e2e and the benchmark:
 * DefaultMetadataService + DefaultPayloadService over either memory stores (no WAL) or a data
 * directory with a SQLite metadata store, an fs block store and a WAL — the persistent set, which
 * survives `stop()` + a new `startNfsServer` on the same directory.
 */
import { join } from "node:path";
import { type Logger, pino } from "pino";
import { type BufferPool, receivePoolFor } from "../../../domain/buffer-pool.ts";
import type { ShareInfo } from "../../../domain/share.ts";
import { FileService } from "../../../files/service.ts";
import type { MetadataStore } from "../../../metadata/metadata-store.ts";
import { DefaultMetadataService } from "../../../metadata/service.ts";
import { MemoryMetadataStore } from "../../../metadata/stores/memory.ts";
import { MemoryBlockStore } from "../../../payload/block-store/memory.ts";
import { DefaultPayloadService } from "../../../payload/service.ts";
import type { BlockStore } from "../../../payload/types.ts";
import { TrafficMeter } from "../../../runtime/traffic.ts";
import type { AdapterContext, ProtocolAdapter } from "../../adapter.ts";
import { createNfsAdapter } from "../adapter.ts";
import { shareInfo, TestClients, TestIdentity, TestLogons, TestMetrics, TestShares } from "./context.ts";

export interface NfsServerOptions {
  /** "memory", or a data directory for SQLite + fs + WAL. */
  stores?: "memory" | { dataDir: string };
  shares?: ShareInfo[];
  port?: number;
  settings?: Record<string, unknown>;
  logger?: Logger;
  cacheSizeBytes?: number;
  /** Files held open at once (the metadata service's limit; default its OPEN_REFS_MAX). */
  openRefsMax?: number;
  /** Wraps each share's block store (fault injection in crash tests). */
  wrapBlocks?: (blocks: BlockStore) => BlockStore;
  /** Writes to fs stores skip the WAL where they can (payload/write-once.ts); default true. */
  writeOnce?: boolean;
}

export type TestContext = AdapterContext & {
  /** Where the adapter receives big records (domain/buffer-pool.ts). */
  receivePool: BufferPool;
  /** The services behind the file service, for tests that seed or inspect data directly. */
  metadata: DefaultMetadataService;
  payload: DefaultPayloadService;
  shares: TestShares;
  identity: TestIdentity;
  clients: TestClients;
  metrics: TestMetrics;
  /** READ/WRITE totals the file service counted, per share (and per client in `clients`). */
  traffic: TrafficMeter;
};

export interface NfsServer {
  ctx: TestContext;
  adapter: ProtocolAdapter & { portmapperPort?: number | null };
  port: number;
  addShare(share: ShareInfo): Promise<void>;
  stop(): Promise<void>;
}

function memoryStores(): { meta: MetadataStore; blocks: BlockStore } {
  return { meta: new MemoryMetadataStore(), blocks: new MemoryBlockStore() };
}

/** SQLite + fs stores through the registries (imported lazily: unit tests need memory only). */
async function persistentStores(
  dataDir: string,
  n: number,
): Promise<{ meta: MetadataStore; blocks: BlockStore }> {
  const { openBlockStore } = await import("../../../payload/registry.ts");
  const { openMetadataStore } = await import("../../../metadata/registry.ts");
  const blocks = await openBlockStore({ type: "fs", path: join(dataDir, `blocks-${n}`) }, { dataDir });
  const meta = await openMetadataStore(
    { type: "sqlite", path: join(dataDir, `metadata-${n}.sqlite`) },
    { dataDir },
  );
  return { meta, blocks };
}

export async function startNfsServer(opts: NfsServerOptions = {}): Promise<NfsServer> {
  const logger = opts.logger ?? pino({ level: process.env.NFS_TEST_LOG ?? "silent" });
  const stores = opts.stores ?? "memory";
  const dataDir = stores === "memory" ? null : stores.dataDir;
  const payload = new DefaultPayloadService({
    logger,
    cacheSizeBytes: opts.cacheSizeBytes ?? 512 * 1024 * 1024,
    walDir: dataDir === null ? null : join(dataDir, "wal"),
    transferConcurrency: 4,
    writeOnce: opts.writeOnce,
  });
  const metadata = new DefaultMetadataService({ logger, openRefsMax: opts.openRefsMax });
  const shares = new TestShares();
  const identity = new TestIdentity();
  const clients = new TestClients();
  const traffic = new TrafficMeter(clients);
  const ctx: TestContext = {
    logger,
    files: new FileService({ metadata, payload, identity, traffic }),
    metadata,
    payload,
    shares,
    identity,
    clients,
    metrics: new TestMetrics(),
    logons: new TestLogons(),
    traffic,
    receivePool: receivePoolFor(payload),
  };
  const opened: { meta: MetadataStore; blocks: BlockStore }[] = [];
  const addShare = async (share: ShareInfo) => {
    const { meta, blocks } =
      dataDir === null ? memoryStores() : await persistentStores(dataDir, opened.length);
    opened.push({ meta, blocks });
    await payload.addShare(share.name, opts.wrapBlocks?.(blocks) ?? blocks);
    await metadata.addShare(share, meta);
    shares.map.set(share.name, share);
  };
  for (const s of opts.shares ?? [shareInfo("/export")]) await addShare(s);
  const adapter = createNfsAdapter({ host: "127.0.0.1", port: opts.port ?? 0, ...opts.settings }, ctx);
  await adapter.serve();
  return {
    ctx,
    adapter,
    port: adapter.port,
    addShare,
    async stop() {
      await adapter.stop();
      await payload.flushAll();
      await payload.close();
      for (const o of opened) {
        await o.meta.close();
        await o.blocks.close();
      }
    },
  };
}

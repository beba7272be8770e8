/**
 * The daemon's configuration: one zod schema, parsed once at start (docs/architecture.md "Composition root and configuration").
 * Infrastructure lives here (data dir, database, HTTP address, logging, cache, WAL, transfers);
 * users, shares and adapters live in the control plane. Declared `stores` and `shares` are
 * applied idempotently at every start, so a config file can describe a fixed deployment.
 */

import { totalmem } from "node:os";
import {
  blockStoreConfigSchemas,
  blockStoreTypeSchema,
  daemonNameSchema,
  metadataStoreConfigSchemas,
  metadataStoreTypeSchema,
  shareCreateInput,
  storeNameSchema,
} from "@dittofs/shared";
import { z } from "zod";
import { parseProxyEntry, TRUSTED_PROXIES_MAX } from "../domain/proxies.ts";
import { STORE_HEALTH_TIMEOUT_MS, STORE_OPEN_TIMEOUT_MS } from "../runtime/bounded.ts";
import { parseByteSize } from "./size.ts";

const proxyEntrySchema = z
  .string()
  .refine((s) => parseProxyEntry(s) !== null, { message: "must be an IP address or CIDR (10.0.0.0/8)" });

export const DEFAULT_HTTP_LISTEN = "127.0.0.1:8080";
export const DEFAULT_CACHE_SIZE = "512MiB";
export const DEFAULT_TRANSFER_CONCURRENCY = 8;
/** More parallel transfers than this only queue inside the S3 client or the disk. */
export const TRANSFER_CONCURRENCY_MAX = 256;
/** Scale-out defaults (README "Scale-out"): attribute cache bound, block GC grace and interval. */
export const DEFAULT_ATTR_CACHE_MS = 1000;
export const ATTR_CACHE_MS_MAX = 60_000;
export const DEFAULT_GC_GRACE_MS = 10 * 60_000;
export const DEFAULT_GC_INTERVAL_MS = 60_000;
/** Store time bounds above an hour would leave a change queue stuck for no useful reason. */
export const STORE_TIMEOUT_MS_MAX = 3_600_000;

const storeTimeoutSchema = (fallback: number) =>
  z.number().int().min(1).max(STORE_TIMEOUT_MS_MAX).default(fallback);

const listenSchema = z.string().refine((value) => parseListen(value) !== null, {
  message: 'must be "host:port" with a port from 0 to 65535 (like 127.0.0.1:8080)',
});

const byteSizeSchema = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const parsed = parseByteSize(value);
  if ("error" in parsed) {
    ctx.addIssue({ code: "custom", message: parsed.error });
    return z.NEVER;
  }
  return parsed.bytes;
});

const MIB = 1024 * 1024;
/**
 * What the daemon holds at rest before any client or cached content (code, V8 heap, SQLite): a
 * `dfs start` measures about 165 MiB resident on Node 24, the bench harness about 190 MiB.
 */
export const DAEMON_FLOOR_BYTES = 192 * MIB;
/** Least room `memory.budget` must leave connections: one 8 MiB SMB frame and its 8 MiB READ reply next to a second one. */
export const CONNECTION_ROOM_MIN_BYTES = 64 * MIB;

/** Default `memory.budget`: the floor, the content cache, and 1/16 of the machine's memory (64 MiB to 1 GiB) for connections. */
export function defaultMemoryBudgetBytes(cacheSizeBytes: number, memoryBytes = totalmem()): number {
  const room = Math.min(1024 * MIB, Math.max(CONNECTION_ROOM_MIN_BYTES, Math.floor(memoryBytes / 16)));
  return DAEMON_FLOOR_BYTES + cacheSizeBytes + room;
}

const sizeInMiB = (bytes: number) => `${Math.ceil(bytes / MIB)}MiB`;

const databaseSchema = z
  .union([
    z.strictObject({ sqlite: z.string().min(1) }),
    z.strictObject({ postgres: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL") }),
  ])
  .optional();

/**
 * A declared store is flat in YAML (`{ name, type, path }`); everything but name and type is its
 * config, checked by the same per-type schema the API uses and reported at the YAML key.
 */
function declaredStoreSchema<T extends string>(
  typeSchema: z.ZodEnum<{ [K in T]: K }>,
  configSchemas: Record<T, z.ZodType<Record<string, unknown>>>,
) {
  return z
    .looseObject({ name: storeNameSchema, type: typeSchema })
    .superRefine((value, ctx) => {
      const { name: _name, type, ...config } = value;
      const result = configSchemas[type as T].safeParse(config);
      if (result.success) return;
      for (const issue of result.error.issues) {
        ctx.addIssue({ code: "custom", message: issue.message, path: issue.path as PropertyKey[] });
      }
    })
    .transform(({ name, type, ...config }) => ({ name, type: type as T, config }));
}

const metadataStoreSchema = declaredStoreSchema(metadataStoreTypeSchema, metadataStoreConfigSchemas);
const blockStoreSchema = declaredStoreSchema(blockStoreTypeSchema, blockStoreConfigSchemas);

/** Same fields as the API's share create input; omitted ones take the API's defaults. */
const shareSchema = shareCreateInput.strict();

export const configSchema = z
  .strictObject({
    dataDir: z.string().min(1).default("./data"),
    /** Which daemon this is (scale-out); the name defaults to `<hostname>-<id>`, the id lives in dataDir. */
    daemon: z.strictObject({ name: daemonNameSchema.optional() }).prefault({}),
    database: databaseSchema,
    http: z
      .strictObject({
        listen: listenSchema.default(DEFAULT_HTTP_LISTEN),
        /**
         * Proxies (addresses or CIDRs) whose X-Forwarded-For is believed, e.g. the console's host
         * ["127.0.0.1", "::1"] when it runs beside the daemon. None by default.
         */
        trustedProxies: z.array(proxyEntrySchema).max(TRUSTED_PROXIES_MAX).default([]),
      })
      .prefault({}),
    logging: z
      .strictObject({
        level: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
        format: z.enum(["json", "pretty"]).default("json"),
      })
      .prefault({}),
    cache: z.strictObject({ size: byteSizeSchema.prefault(DEFAULT_CACHE_SIZE) }).prefault({}),
    /**
     * The daemon's memory budget (README): the resident set the process stays near. Connections are
     * admitted against it (transport/budget.ts), after the floor and whatever the cache holds; at
     * least the floor + cache.size + 64 MiB (checked below). Absent: defaultMemoryBudgetBytes.
     */
    memory: z.strictObject({ budget: byteSizeSchema.optional() }).prefault({}),
    /** Removed: the budget now covers the whole process (`memory.budget`). */
    connections: z
      .strictObject({
        bufferBudget: z
          .unknown()
          .refine((v) => v === undefined, "replaced by memory.budget (the whole daemon's memory, README)"),
      })
      .optional(),
    wal: z
      .strictObject({
        /** Directory of the write-ahead log; defaults to `<dataDir>/wal`. `false` disables the WAL. */
        dir: z.union([z.string().min(1), z.literal(false)]).optional(),
      })
      .prefault({}),
    transfer: z
      .strictObject({
        concurrency: z
          .number()
          .int()
          .min(1)
          .max(TRANSFER_CONCURRENCY_MAX)
          .default(DEFAULT_TRANSFER_CONCURRENCY),
      })
      .prefault({}),
    /**
     * Shared (scale-out) mode: shares on a PostgreSQL metadata store and an S3 block store (README
     * "Scale-out"). attrCacheMs bounds how long this daemon reuses metadata it read; gcGraceMs is
     * the age below which the block sweeper never deletes an unreferenced block version.
     */
    scaleout: z
      .strictObject({
        attrCacheMs: z.number().int().min(0).max(ATTR_CACHE_MS_MAX).default(DEFAULT_ATTR_CACHE_MS),
        gcGraceMs: z.number().int().min(1000).default(DEFAULT_GC_GRACE_MS),
        gcIntervalMs: z.number().int().min(100).default(DEFAULT_GC_INTERVAL_MS),
      })
      .prefault({}),
    /**
     * Bounds on store calls the Runtime cannot abort (runtime/bounded.ts): opening a metadata or
     * block store, and one store health probe (readiness, storeHealth).
     */
    timeouts: z
      .strictObject({
        storeOpenMs: storeTimeoutSchema(STORE_OPEN_TIMEOUT_MS),
        storeHealthMs: storeTimeoutSchema(STORE_HEALTH_TIMEOUT_MS),
      })
      .prefault({}),
    stores: z
      .strictObject({
        metadata: z.array(metadataStoreSchema).default([]),
        block: z.array(blockStoreSchema).default([]),
      })
      .optional(),
    shares: z.array(shareSchema).optional(),
  })
  .superRefine((config, ctx) => {
    const budget = config.memory.budget;
    const least = DAEMON_FLOOR_BYTES + config.cache.size + CONNECTION_ROOM_MIN_BYTES;
    if (budget === undefined || budget >= least) return;
    ctx.addIssue({
      code: "custom",
      path: ["memory", "budget"],
      message: `must be at least ${sizeInMiB(least)}: the daemon's floor (${sizeInMiB(DAEMON_FLOOR_BYTES)}) + cache.size (${sizeInMiB(config.cache.size)}) + ${sizeInMiB(CONNECTION_ROOM_MIN_BYTES)} for connections`,
    });
  });

export type ParsedConfig = z.output<typeof configSchema>;
export type DeclaredMetadataStore = z.output<typeof metadataStoreSchema>;
export type DeclaredBlockStore = z.output<typeof blockStoreSchema>;
export type DeclaredShare = z.output<typeof shareSchema>;

export interface ListenAddress {
  host: string;
  port: number;
}

/** "host:port" or "[v6]:port" → parts, or null. */
export function parseListen(value: string): ListenAddress | null {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(value.trim());
  if (match === null) return null;
  const port = Number(match[3]);
  if (port > 65535) return null;
  return { host: (match[1] ?? match[2])!, port };
}

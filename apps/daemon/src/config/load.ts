/**
 * Config loading: YAML file (optional) → DITTOFS_* env overrides → command-line flags → zod,
 * then defaults that depend on other keys (database and WAL under the data dir) are resolved.
 * Every failure is a ConfigError whose message names the key path.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { applyEnvOverrides, setPath } from "./env.ts";
import {
  configSchema,
  type DeclaredBlockStore,
  type DeclaredMetadataStore,
  type DeclaredShare,
  defaultMemoryBudgetBytes,
  type ListenAddress,
  type ParsedConfig,
  parseListen,
} from "./schema.ts";

export const DEFAULT_CONFIG_FILE = "dittofs.yaml";
/** Exit status for a bad config or bad command-line usage (sysexits-like, distinct from a crash). */
export const CONFIG_ERROR_EXIT_CODE = 2;

export class ConfigError extends Error {
  constructor(message: string) {
    super(`config error: ${message}`);
    this.name = "ConfigError";
  }
}

export type DatabaseConfig = { kind: "sqlite"; path: string } | { kind: "postgres"; url: string };

/** The config the daemon runs with: every path absolute, every default filled in. */
export interface DaemonConfig {
  configPath: string | null;
  dataDir: string;
  /** `daemon.name`; null: derived from the hostname and the id kept in the data dir. */
  daemonName: string | null;
  database: DatabaseConfig;
  http: ListenAddress;
  /** `http.trustedProxies`: peers whose X-Forwarded-For the API believes. */
  trustedProxies: string[];
  logging: ParsedConfig["logging"];
  cacheSizeBytes: number;
  /** Config `memory.budget` (default filled in): the resident set the daemon stays near. */
  memoryBudgetBytes: number;
  walDir: string | null;
  transferConcurrency: number;
  /** Time bounds on opening a store and on one store health probe (config `timeouts`). */
  storeTimeouts: { openMs: number; healthMs: number };
  /** Shared (scale-out) mode settings (config `scaleout`). */
  scaleout: ParsedConfig["scaleout"];
  declared: {
    metadataStores: DeclaredMetadataStore[];
    blockStores: DeclaredBlockStore[];
    shares: DeclaredShare[];
  };
}

export interface LoadOptions {
  /** Explicit --config; must exist. Otherwise DITTOFS_CONFIG, then ./dittofs.yaml if present. */
  configPath?: string;
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export function loadConfig(opts: LoadOptions = {}): DaemonConfig {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const configPath = findConfigFile(
    opts.configPath ?? env.DITTOFS_CONFIG,
    cwd,
    opts.configPath !== undefined,
  );
  const raw = configPath === null ? {} : readConfigFile(configPath);
  const sources = applyEnvOverrides(raw, env);
  if (opts.dataDir !== undefined) {
    setPath(raw, ["dataDir"], resolve(cwd, opts.dataDir));
    sources.set("dataDir", "--data-dir");
  }
  return resolveConfig(raw, {
    configPath,
    baseDir: configPath === null ? cwd : dirname(configPath),
    sources,
  });
}

/** Parses an in-memory config object (tests, embedded defaults) the same way as a file. */
export function resolveConfig(
  raw: unknown,
  opts: { configPath?: string | null; baseDir?: string; sources?: Map<string, string> } = {},
): DaemonConfig {
  const result = configSchema.safeParse(dropEmptySections(raw));
  if (!result.success) throw new ConfigError(formatIssues(result.error, opts.sources ?? new Map()));
  const parsed = result.data;
  const base = opts.baseDir ?? process.cwd();
  const dataDir = resolve(base, parsed.dataDir);
  const under = (path: string): string => (isAbsolute(path) ? path : resolve(base, path));
  return {
    configPath: opts.configPath ?? null,
    dataDir,
    daemonName: parsed.daemon.name ?? null,
    database:
      parsed.database === undefined
        ? { kind: "sqlite", path: join(dataDir, "control.db") }
        : "postgres" in parsed.database
          ? { kind: "postgres", url: parsed.database.postgres }
          : { kind: "sqlite", path: under(parsed.database.sqlite) },
    http: parseListen(parsed.http.listen)!,
    trustedProxies: parsed.http.trustedProxies,
    logging: parsed.logging,
    cacheSizeBytes: parsed.cache.size,
    memoryBudgetBytes: parsed.memory.budget ?? defaultMemoryBudgetBytes(parsed.cache.size),
    walDir:
      parsed.wal.dir === false
        ? null
        : parsed.wal.dir === undefined
          ? join(dataDir, "wal")
          : under(parsed.wal.dir),
    transferConcurrency: parsed.transfer.concurrency,
    storeTimeouts: { openMs: parsed.timeouts.storeOpenMs, healthMs: parsed.timeouts.storeHealthMs },
    scaleout: parsed.scaleout,
    declared: {
      metadataStores: parsed.stores?.metadata ?? [],
      blockStores: parsed.stores?.block ?? [],
      shares: parsed.shares ?? [],
    },
  };
}

/** `wal:` with every key commented out is YAML null; treat it like an absent section. */
function dropEmptySections(raw: unknown): unknown {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return raw;
  return Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== null));
}

function findConfigFile(given: string | undefined, cwd: string, mustExist: boolean): string | null {
  if (given !== undefined && given !== "") {
    const path = resolve(cwd, given);
    if (!existsSync(path)) {
      if (mustExist) throw new ConfigError(`${path}: no such file (create one with \`dfs init\`)`);
      return null;
    }
    return path;
  }
  const fallback = resolve(cwd, DEFAULT_CONFIG_FILE);
  return existsSync(fallback) ? fallback : null;
}

function readConfigFile(path: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(path, "utf8"));
  } catch (err) {
    throw new ConfigError(`${path}: ${(err as Error).message}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ConfigError(`${path}: the top level must be a mapping of keys`);
  }
  return parsed as Record<string, unknown>;
}

function formatIssues(error: z.ZodError, sources: Map<string, string>): string {
  return error.issues
    .map((issue) => {
      const keys = issue.code === "unrecognized_keys" ? issue.keys : [null];
      return keys
        .map((key) => {
          const path = formatPath(key === null ? issue.path : [...issue.path, key]);
          const from = sources.get(path);
          const where = from === undefined ? path : `${path} (from ${from})`;
          const message = key === null ? issue.message : "unknown key";
          return `${where || "(top level)"}: ${message}`;
        })
        .join("\n");
    })
    .join("\n");
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => {
    if (typeof key === "number") return `${out}[${key}]`;
    return out === "" ? String(key) : `${out}.${String(key)}`;
  }, "");
}

/**
 * DITTOFS_* environment overrides. Each variable names one config key; values are placed into the
 * raw config before zod parses it, so a bad value is reported with its key path like any other.
 */

export interface EnvOverride {
  variable: string;
  /** Config key path, e.g. ["http", "listen"]. */
  path: readonly string[];
  /** Raw string → the value placed at `path`. */
  convert?: (value: string) => unknown;
}

const toNumberIfNumeric = (value: string): unknown => (/^\s*\d+\s*$/.test(value) ? Number(value) : value);

/** A database URL: postgres:// → PostgreSQL; `sqlite:PATH` or a plain path → SQLite. */
function databaseFromUrl(value: string): unknown {
  if (/^postgres(ql)?:\/\//.test(value)) return { postgres: value };
  return { sqlite: value.replace(/^sqlite:(\/\/)?/, "") };
}

export const ENV_OVERRIDES: readonly EnvOverride[] = [
  { variable: "DITTOFS_DATA_DIR", path: ["dataDir"] },
  { variable: "DITTOFS_DAEMON_NAME", path: ["daemon", "name"] },
  { variable: "DITTOFS_DATABASE_URL", path: ["database"], convert: databaseFromUrl },
  { variable: "DITTOFS_HTTP_LISTEN", path: ["http", "listen"] },
  { variable: "DITTOFS_LOG_LEVEL", path: ["logging", "level"] },
  { variable: "DITTOFS_LOG_FORMAT", path: ["logging", "format"] },
  { variable: "DITTOFS_CACHE_SIZE", path: ["cache", "size"], convert: toNumberIfNumeric },
  { variable: "DITTOFS_MEMORY_BUDGET", path: ["memory", "budget"], convert: toNumberIfNumeric },
  { variable: "DITTOFS_WAL_DIR", path: ["wal", "dir"] },
  { variable: "DITTOFS_TRANSFER_CONCURRENCY", path: ["transfer", "concurrency"], convert: toNumberIfNumeric },
  {
    variable: "DITTOFS_STORE_OPEN_TIMEOUT_MS",
    path: ["timeouts", "storeOpenMs"],
    convert: toNumberIfNumeric,
  },
  {
    variable: "DITTOFS_STORE_HEALTH_TIMEOUT_MS",
    path: ["timeouts", "storeHealthMs"],
    convert: toNumberIfNumeric,
  },
];

/** Writes every set override into `raw` (mutated) and returns which key came from which variable. */
export function applyEnvOverrides(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): Map<string, string> {
  const sources = new Map<string, string>();
  for (const override of ENV_OVERRIDES) {
    const value = env[override.variable];
    if (value === undefined || value === "") continue;
    setPath(raw, override.path, override.convert ? override.convert(value) : value);
    sources.set(override.path.join("."), override.variable);
  }
  return sources;
}

export function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== "object" || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

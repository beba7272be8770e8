import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { STORE_HEALTH_TIMEOUT_MS, STORE_OPEN_TIMEOUT_MS } from "../runtime/bounded.ts";
import { ConfigError, loadConfig, resolveConfig } from "./load.ts";
import { parseByteSize } from "./size.ts";
import { configTemplate } from "./template.ts";

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "dfs-config-"));
}

function writeConfig(dir: string, yaml: string): string {
  const path = join(dir, "dittofs.yaml");
  writeFileSync(path, yaml);
  return path;
}

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error("expected a ConfigError");
}

describe("config", () => {
  it("fills every default from an empty config, under the data dir", () => {
    const config = resolveConfig({}, { baseDir: "/srv" });
    expect(config.dataDir).toBe("/srv/data");
    expect(config.database).toEqual({ kind: "sqlite", path: "/srv/data/control.db" });
    expect(config.http).toEqual({ host: "127.0.0.1", port: 8080 });
    expect(config.logging).toEqual({ level: "info", format: "json" });
    expect(config.cacheSizeBytes).toBe(512 * 1024 * 1024);
    expect(config.walDir).toBe("/srv/data/wal");
    expect(config.transferConcurrency).toBe(8);
    expect(config.storeTimeouts).toEqual({
      openMs: STORE_OPEN_TIMEOUT_MS,
      healthMs: STORE_HEALTH_TIMEOUT_MS,
    });
    expect(config.declared).toEqual({ metadataStores: [], blockStores: [], shares: [] });
    expect(config.daemonName).toBeNull();
  });

  it("parses a YAML file with paths relative to the file", () => {
    const dir = tempDir();
    const path = writeConfig(
      dir,
      [
        "dataDir: state",
        "database: { postgres: postgres://u:p@127.0.0.1:5432/db }",
        "http: { listen: '[::1]:0' }",
        "logging: { level: debug, format: pretty }",
        "cache: { size: 2GiB }",
        "wal: { dir: /var/wal }",
        "transfer: { concurrency: 32 }",
        "stores:",
        "  metadata: [{ name: fast, type: memory }]",
        "  block: [{ name: s3, type: s3, bucket: bkt, endpoint: 'http://127.0.0.1:9000' }]",
        "shares:",
        "  - { name: /archive, metadataStore: fast, blockStore: s3, readOnly: true }",
      ].join("\n"),
    );
    const config = loadConfig({ configPath: path, env: {} });
    expect(config.configPath).toBe(path);
    expect(config.dataDir).toBe(join(dir, "state"));
    expect(config.database).toEqual({ kind: "postgres", url: "postgres://u:p@127.0.0.1:5432/db" });
    expect(config.http).toEqual({ host: "::1", port: 0 });
    expect(config.logging).toEqual({ level: "debug", format: "pretty" });
    expect(config.cacheSizeBytes).toBe(2 * 1024 ** 3);
    expect(config.walDir).toBe("/var/wal");
    expect(config.transferConcurrency).toBe(32);
    expect(config.declared.metadataStores).toEqual([{ name: "fast", type: "memory", config: {} }]);
    expect(config.declared.blockStores[0]).toEqual({
      name: "s3",
      type: "s3",
      config: { bucket: "bkt", endpoint: "http://127.0.0.1:9000" },
    });
    expect(config.declared.shares[0]).toEqual({
      name: "/archive",
      metadataStore: "fast",
      blockStore: "s3",
      readOnly: true,
    });
  });

  it("lets DITTOFS_* override the file and --data-dir override both", () => {
    const dir = tempDir();
    const path = writeConfig(
      dir,
      "dataDir: fromfile\ncache: { size: 1GiB }\nhttp: { listen: 127.0.0.1:9000 }\n",
    );
    const env = {
      DITTOFS_HTTP_LISTEN: "0.0.0.0:8181",
      DITTOFS_DATA_DIR: "/tmp/fromenv",
      DITTOFS_DATABASE_URL: "postgresql://x@127.0.0.1/y",
      DITTOFS_LOG_LEVEL: "warn",
      DITTOFS_CACHE_SIZE: "64MiB",
      DITTOFS_WAL_DIR: "/tmp/wal-env",
      DITTOFS_TRANSFER_CONCURRENCY: "3",
    };
    const config = loadConfig({ configPath: path, env });
    expect(config.http).toEqual({ host: "0.0.0.0", port: 8181 });
    expect(config.dataDir).toBe("/tmp/fromenv");
    expect(config.database).toEqual({ kind: "postgres", url: "postgresql://x@127.0.0.1/y" });
    expect(config.logging.level).toBe("warn");
    expect(config.cacheSizeBytes).toBe(64 * 1024 ** 2);
    expect(config.walDir).toBe("/tmp/wal-env");
    expect(config.transferConcurrency).toBe(3);
    const flagged = loadConfig({ configPath: path, env, dataDir: "/tmp/fromflag", cwd: dir });
    expect(flagged.dataDir).toBe("/tmp/fromflag");
    expect(loadConfig({ env: { DITTOFS_DATABASE_URL: "sqlite:/tmp/c.db" }, cwd: dir }).database).toEqual({
      kind: "sqlite",
      path: "/tmp/c.db",
    });
  });

  it("takes daemon.name from the file or DITTOFS_DAEMON_NAME, and refuses a name no label can carry", () => {
    const dir = tempDir();
    const configPath = writeConfig(dir, "daemon:\n  name: edge-a\n");
    expect(loadConfig({ configPath, env: {} }).daemonName).toBe("edge-a");
    expect(loadConfig({ configPath, env: { DITTOFS_DAEMON_NAME: "edge-b" } }).daemonName).toBe("edge-b");
    expect(errorOf(() => resolveConfig({ daemon: { name: "has space" } }))).toMatch(
      /^config error: daemon\.name: /,
    );
    expect(errorOf(() => resolveConfig({ daemon: { name: "x".repeat(64) } }))).toContain("daemon.name");
    expect(errorOf(() => resolveConfig({ daemon: { nmae: "typo" } }))).toContain("daemon.nmae: unknown key");
  });

  it("finds ./dittofs.yaml when no --config is given, and embedded defaults otherwise", () => {
    const dir = tempDir();
    expect(loadConfig({ env: {}, cwd: dir }).configPath).toBeNull();
    writeConfig(dir, "transfer: { concurrency: 5 }\n");
    const config = loadConfig({ env: {}, cwd: dir });
    expect(config.configPath).toBe(join(dir, "dittofs.yaml"));
    expect(config.transferConcurrency).toBe(5);
  });

  it("names the key path of every bad value", () => {
    expect(errorOf(() => resolveConfig({ cache: { size: "lots" } }))).toMatch(
      /^config error: cache\.size: .*lots/,
    );
    expect(errorOf(() => resolveConfig({ cache: { size: "5XB" } }))).toMatch(
      /cache\.size: unknown unit "XB"/,
    );
    expect(errorOf(() => resolveConfig({ http: { listen: "nope" } }))).toMatch(
      /http\.listen: must be "host:port"/,
    );
    expect(errorOf(() => resolveConfig({ http: { listen: "1.2.3.4:70000" } }))).toMatch(/http\.listen/);
    expect(errorOf(() => resolveConfig({ logging: { level: "loud" } }))).toMatch(/logging\.level/);
    expect(errorOf(() => resolveConfig({ transfer: { concurrency: 0 } }))).toMatch(/transfer\.concurrency/);
    expect(errorOf(() => resolveConfig({ database: { mysql: "x" } }))).toMatch(/database/);
    expect(errorOf(() => resolveConfig({ stores: { metadata: [{ name: "a", type: "redis" }] } }))).toMatch(
      /stores\.metadata\[0\]\.type/,
    );
    expect(
      errorOf(() => resolveConfig({ shares: [{ name: "nodash", metadataStore: "a", blockStore: "b" }] })),
    ).toMatch(/shares\[0\]\.name/);
    expect(
      errorOf(() =>
        resolveConfig({ shares: [{ name: "/a", metadataStore: "a", blockStore: "b", squash: "x" }] }),
      ),
    ).toMatch(/shares\[0\]\.squash/);
    expect(errorOf(() => resolveConfig({ stores: { block: [{ name: "l", type: "fs" }] } }))).toMatch(
      /^config error: stores\.block\[0\]\.path: /,
    );
  });

  it("rejects unknown keys by name, including typos inside sections", () => {
    expect(errorOf(() => resolveConfig({ chache: {} }))).toBe("config error: chache: unknown key");
    expect(errorOf(() => resolveConfig({ http: { listn: "x" } }))).toBe(
      "config error: http.listn: unknown key",
    );
  });

  it("says which env variable carried a bad value", () => {
    const message = errorOf(() =>
      loadConfig({ env: { DITTOFS_TRANSFER_CONCURRENCY: "many" }, cwd: tempDir() }),
    );
    expect(message).toMatch(/^config error: transfer\.concurrency \(from DITTOFS_TRANSFER_CONCURRENCY\): /);
  });

  it("takes the store timeouts from the file or DITTOFS_STORE_*_TIMEOUT_MS, positive integers only", () => {
    const dir = tempDir();
    const configPath = writeConfig(dir, "timeouts: { storeOpenMs: 30000, storeHealthMs: 2500 }\n");
    expect(loadConfig({ configPath, env: {} }).storeTimeouts).toEqual({ openMs: 30_000, healthMs: 2500 });
    const env = { DITTOFS_STORE_OPEN_TIMEOUT_MS: "750", DITTOFS_STORE_HEALTH_TIMEOUT_MS: "250" };
    expect(loadConfig({ configPath, env }).storeTimeouts).toEqual({ openMs: 750, healthMs: 250 });
    for (const bad of [0, -5, 1.5, "soon", 3_600_001]) {
      expect(errorOf(() => resolveConfig({ timeouts: { storeOpenMs: bad } }))).toMatch(
        /^config error: timeouts\.storeOpenMs: /,
      );
      expect(errorOf(() => resolveConfig({ timeouts: { storeHealthMs: bad } }))).toMatch(
        /^config error: timeouts\.storeHealthMs: /,
      );
    }
    expect(errorOf(() => loadConfig({ env: { DITTOFS_STORE_HEALTH_TIMEOUT_MS: "0" }, cwd: dir }))).toMatch(
      /^config error: timeouts\.storeHealthMs \(from DITTOFS_STORE_HEALTH_TIMEOUT_MS\): /,
    );
    expect(errorOf(() => resolveConfig({ timeouts: { storeOpenMS: 5 } }))).toBe(
      "config error: timeouts.storeOpenMS: unknown key",
    );
  });

  it("takes memory.budget from the file or DITTOFS_MEMORY_BUDGET, at least the floor + cache + 64 MiB", () => {
    const MIB = 1024 ** 2;
    // Default: the floor, the cache and 1/16 of the machine's memory (64 MiB to 1 GiB) for connections.
    const room = resolveConfig({}).memoryBudgetBytes - 192 * MIB - 512 * MIB;
    expect(room).toBeGreaterThanOrEqual(64 * MIB);
    expect(room).toBeLessThanOrEqual(1024 * MIB);
    expect(resolveConfig({ memory: { budget: "1GiB" } }).memoryBudgetBytes).toBe(1024 ** 3);
    expect(resolveConfig({ cache: { size: "64MiB" }, memory: { budget: "320MiB" } }).memoryBudgetBytes).toBe(
      320 * MIB,
    );
    const dir = tempDir();
    expect(loadConfig({ env: { DITTOFS_MEMORY_BUDGET: "2GiB" }, cwd: dir }).memoryBudgetBytes).toBe(
      2 * 1024 ** 3,
    );
    expect(errorOf(() => resolveConfig({ memory: { budget: "256MiB" } }))).toBe(
      "config error: memory.budget: must be at least 768MiB: the daemon's floor (192MiB) + cache.size (512MiB) + 64MiB for connections",
    );
    expect(errorOf(() => resolveConfig({ cache: { size: "64MiB" }, memory: { budget: "300MiB" } }))).toMatch(
      /^config error: memory\.budget: must be at least 320MiB/,
    );
    expect(errorOf(() => resolveConfig({ connections: { bufferBudget: "256MiB" } }))).toMatch(
      /^config error: connections\.bufferBudget: replaced by memory\.budget/,
    );
  });

  it("reports a missing --config file and YAML syntax errors", () => {
    const dir = tempDir();
    expect(errorOf(() => loadConfig({ configPath: join(dir, "none.yaml"), env: {} }))).toMatch(
      /no such file/,
    );
    const bad = writeConfig(dir, "http: [unclosed\n");
    expect(errorOf(() => loadConfig({ configPath: bad, env: {} }))).toMatch(
      /^config error: .*dittofs\.yaml: /,
    );
    const scalar = writeConfig(dir, "just a string\n");
    expect(errorOf(() => loadConfig({ configPath: scalar, env: {} }))).toMatch(/top level must be a mapping/);
  });

  it("writes an init template that parses to the defaults", () => {
    const parsed = resolveConfig(parseYaml(configTemplate()), { baseDir: "/x" });
    expect(parsed).toEqual(resolveConfig({}, { baseDir: "/x" }));
  });

  it("parses byte sizes in binary and decimal units", () => {
    expect(parseByteSize("512MiB")).toEqual({ bytes: 512 * 1024 ** 2 });
    expect(parseByteSize("1.5 GiB")).toEqual({ bytes: 1.5 * 1024 ** 3 });
    expect(parseByteSize("2GB")).toEqual({ bytes: 2e9 });
    expect(parseByteSize("4096")).toEqual({ bytes: 4096 });
    expect(parseByteSize(100)).toEqual({ bytes: 100 });
    expect(parseByteSize(-1)).toHaveProperty("error");
    expect(parseByteSize("MiB")).toHaveProperty("error");
  });
});

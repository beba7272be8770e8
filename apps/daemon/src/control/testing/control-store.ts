/**
 * Runs a test suite once on SQLite (a file in a temp dir) and once on the run's private
 * PostgreSQL (a fresh database), with a cheap scrypt cost: hashing stays real, only faster.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe } from "vitest";
import { testDatabaseUrl } from "../../../../../e2e/peers/test-db.ts";
import { type ControlStore, type ControlStoreOptions, openControlStore } from "../store/control-store.ts";

export const TEST_SCRYPT = { N: 1024, r: 8, p: 1 };

export type Dialect = "sqlite" | "postgres";
export const DIALECTS: Dialect[] = ["sqlite", "postgres"];

/**
 * Call in a describe block. `fresh()` opens a store on a new empty database; `reopen(store)` closes
 * it and opens the same database again (a restart). Everything is closed and removed afterwards.
 */
export function storeHarness(dialect: Dialect) {
  const open = new Set<ControlStore>();
  const where = new Map<ControlStore, ControlStoreOptions>();
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all([...open].map((s) => s.close()));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const openAt = async (opts: ControlStoreOptions) => {
    const store = await openControlStore(opts);
    open.add(store);
    where.set(store, opts);
    return store;
  };
  let pgUrl: string | undefined;
  let pgLast: ControlStore | undefined;
  return {
    async options(): Promise<ControlStoreOptions> {
      if (dialect === "postgres")
        return { postgresUrl: await testDatabaseUrl("control"), scrypt: TEST_SCRYPT };
      const dir = mkdtempSync(join(tmpdir(), "dittofs-control-"));
      dirs.push(dir);
      return { sqlitePath: join(dir, "control.db"), scrypt: TEST_SCRYPT };
    },
    /**
     * An empty store. SQLite: a new file. PostgreSQL: one database per harness, emptied between
     * calls (CREATE DATABASE plus migrations per test cost far more than a TRUNCATE).
     */
    async fresh(extra: Pick<ControlStoreOptions, "audit"> = {}): Promise<ControlStore> {
      if (dialect === "sqlite") return openAt({ ...(await this.options()), ...extra });
      if (pgLast !== undefined && open.has(pgLast)) {
        await pgLast.close();
        open.delete(pgLast);
      }
      pgUrl ??= ((await this.options()) as { postgresUrl: string }).postgresUrl;
      pgLast = await openAt({ postgresUrl: pgUrl, scrypt: TEST_SCRYPT, ...extra });
      await truncateAll(pgUrl);
      return pgLast;
    },
    async reopen(store: ControlStore): Promise<ControlStore> {
      const opts = where.get(store)!;
      await store.close();
      open.delete(store);
      return openAt(opts);
    },
  };
}

const TABLES = [
  "users",
  "groups",
  "group_members",
  "metadata_stores",
  "block_stores",
  "shares",
  "share_permissions",
  "adapters",
  "settings",
  "audit_log",
  "sessions",
  "nfs4_clients",
];

async function truncateAll(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`TRUNCATE ${TABLES.join(", ")} RESTART IDENTITY CASCADE`);
  } finally {
    await client.end();
  }
}

export function describeOnBothDatabases(name: string, fn: (dialect: Dialect) => void): void {
  describe.each(DIALECTS)(`${name} (%s)`, fn);
}

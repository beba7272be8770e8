/**
 * Opens the control-plane database (SQLite or PostgreSQL), applies the committed drizzle
 * migrations, and gives the repository one way to run reads and transactions on either.
 *
 * Queries are built against the SQLite table objects' *types*; on PostgreSQL the pg tables (same
 * columns, same JS value types) are passed in their place, so one repository serves both.
 *
 * SQLite (better-sqlite3) is one synchronous connection: a transaction spanning `await`s would
 * take in any statement issued meanwhile by another caller. Every operation therefore runs under
 * a mutex, and writes inside BEGIN IMMEDIATE … COMMIT. PostgreSQL uses a pool and real
 * per-client transactions.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { type BetterSQLite3Database, drizzle as drizzleSqlite } from "drizzle-orm/better-sqlite3";
import { migrate as migrateSqlite } from "drizzle-orm/better-sqlite3/migrator";
import { ControlError, inUse } from "../errors.ts";
import * as sqliteSchema from "./schema-sqlite.ts";

export type Tables = typeof sqliteSchema;
export type Q = BetterSQLite3Database;
export type Dialect = "sqlite" | "postgres";

/** Connections in the PostgreSQL pool; the control plane is low-traffic. */
export const PG_POOL_SIZE_MAX = 8;
/** Arbitrary fixed key: daemons sharing one database migrate one at a time. */
const PG_MIGRATION_LOCK_KEY = 0x44_46_53_4d; // "DFSM"
/** How long SQLite waits on a lock held by another process before SQLITE_BUSY. */
const SQLITE_BUSY_TIMEOUT_MS = 5_000;

export const MIGRATIONS_DIR = {
  sqlite: fileURLToPath(new URL("../../../../../drizzle/sqlite", import.meta.url)),
  postgres: fileURLToPath(new URL("../../../../../drizzle/postgres", import.meta.url)),
};

export interface Backend {
  readonly dialect: Dialect;
  readonly t: Tables;
  /** A read (or a single statement) outside an explicit transaction. */
  read<T>(fn: (q: Q) => Promise<T>): Promise<T>;
  /** One transaction: every write of `fn` is kept, or none is. */
  write<T>(fn: (q: Q) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

export function openSqlite(path: string): Backend {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const client = new Database(path);
  client.pragma("journal_mode = WAL");
  client.pragma("foreign_keys = ON");
  client.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  const db = drizzleSqlite(client);
  migrateSqlite(db, { migrationsFolder: MIGRATIONS_DIR.sqlite });
  const mutex = new Mutex();
  return {
    dialect: "sqlite",
    t: sqliteSchema,
    read: (fn) => mutex.run(() => fn(db)),
    write: (fn) =>
      mutex.run(async () => {
        client.exec("BEGIN IMMEDIATE");
        try {
          const r = await fn(db);
          client.exec("COMMIT");
          return r;
        } catch (e) {
          // A failed COMMIT may already have ended the transaction; never mask the first error.
          if (client.inTransaction) client.exec("ROLLBACK");
          throw mapDbError(e);
        }
      }),
    close: async () => {
      await mutex.run(async () => client.close());
    },
  };
}

/**
 * The PostgreSQL driver, drizzle's pg dialect and the pg tables, loaded only when a PostgreSQL
 * control store is opened: with the default SQLite store they would be ~15 MiB of a daemon's
 * resident memory for nothing.
 */
async function pgModules() {
  const [{ default: pg }, { drizzle: drizzlePg }, { migrate: migratePg }, pgSchema] = await Promise.all([
    import("pg"),
    import("drizzle-orm/node-postgres"),
    import("drizzle-orm/node-postgres/migrator"),
    import("./schema-pg.ts"),
  ]);
  return { pg, drizzlePg, migratePg, pgSchema };
}

type PgModules = Awaited<ReturnType<typeof pgModules>>;

export async function openPostgres(url: string): Promise<Backend> {
  const mods = await pgModules();
  const { pg, drizzlePg, pgSchema } = mods;
  await migratePostgres(url, mods);
  const pool = new pg.Pool({ connectionString: url, max: PG_POOL_SIZE_MAX });
  // An idle client losing its connection (server restart) emits 'error' on the pool; unhandled,
  // that would kill the daemon. The pool drops the client and the next query reports the outage.
  pool.on("error", () => {});
  const db = drizzlePg(pool);
  return {
    dialect: "postgres",
    t: pgSchema as unknown as Tables,
    read: async (fn) => {
      try {
        return await fn(db as unknown as Q);
      } catch (e) {
        throw mapDbError(e);
      }
    },
    write: async (fn) => {
      try {
        return await db.transaction((tx) => fn(tx as unknown as Q));
      } catch (e) {
        throw mapDbError(e);
      }
    },
    close: () => pool.end(),
  };
}

/** Migrates on a single connection holding an advisory lock (several daemons may share a DB). */
async function migratePostgres(url: string, { pg, drizzlePg, migratePg }: PgModules): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("select pg_advisory_lock($1)", [PG_MIGRATION_LOCK_KEY]);
    await migratePg(drizzlePg(client), { migrationsFolder: MIGRATIONS_DIR.postgres });
  } finally {
    await client.end();
  }
}

/** Database column → API field named in a CONFLICT error. */
const FIELD_OF_COLUMN: Record<string, string> = {
  username: "username",
  uid: "uid",
  gid: "gid",
  name: "name",
  type: "type",
  key: "key",
  user_id: "user",
  group_id: "group",
};

interface DbErrorShape {
  code?: string;
  message?: string;
  detail?: string;
  cause?: unknown;
}

/**
 * Turns a unique or foreign-key violation that slipped past the repository's checks (a race with
 * another writer) into a typed ControlError; anything else passes through unchanged.
 */
export function mapDbError(e: unknown): unknown {
  const root = (e as DbErrorShape)?.cause ?? e;
  const err = root as DbErrorShape;
  if (typeof err !== "object" || err === null) return e;
  const sqliteUnique =
    err.code?.startsWith("SQLITE_CONSTRAINT_UNIQUE") || err.code === "SQLITE_CONSTRAINT_PRIMARYKEY";
  if (sqliteUnique || err.code === "23505") {
    const column = sqliteUnique
      ? (err.message?.match(/failed: (?:[\w]+\.([\w]+), )*[\w]+\.([\w]+)/)?.[2] ?? "")
      : (err.detail?.match(/Key \((?:[\w]+, )*([\w]+)\)/)?.[1] ?? "");
    const field = FIELD_OF_COLUMN[column] ?? column;
    // PostgreSQL says which value collided ("Key (gid)=(10000) already exists."); SQLite does not.
    const value = err.detail?.match(/=\((?:[^,)]+, )*([^,)]+)\)/)?.[1];
    return new ControlError(
      "CONFLICT",
      `${field} ${value === undefined ? "" : `${value} `}already exists`,
      field,
    );
  }
  if (err.code === "SQLITE_CONSTRAINT_FOREIGNKEY" || err.code === "23503") {
    return inUse("still referenced by another record");
  }
  return e;
}

/**
 * The two schema files must describe the same tables, and the committed migrations must build
 * exactly those tables: a column added to a schema without `drizzle-kit generate` fails here.
 */
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { getTableConfig as pgConfig } from "drizzle-orm/pg-core";
import { getTableConfig as sqliteConfig } from "drizzle-orm/sqlite-core";
import pg from "pg";
import { expect, it } from "vitest";
import { testDatabaseUrl } from "../../../../../e2e/peers/test-db.ts";
import { MIGRATIONS_DIR, openPostgres } from "./db.ts";
import * as pgSchema from "./schema-pg.ts";
import * as sqliteSchema from "./schema-sqlite.ts";

type Shape = Record<string, Record<string, { notNull: boolean }>>;

function shapeOf(tables: Array<{ name: string; columns: Array<{ name: string; notNull: boolean }> }>): Shape {
  return Object.fromEntries(
    tables.map((t) => [t.name, Object.fromEntries(t.columns.map((c) => [c.name, { notNull: c.notNull }]))]),
  );
}

const sqliteShape = shapeOf(Object.values(sqliteSchema).map((t) => sqliteConfig(t)));
const pgShape = shapeOf(Object.values(pgSchema).map((t) => pgConfig(t)));

it("has the same tables, columns and nullability in both dialects", () => {
  expect(Object.keys(sqliteShape).length).toBe(12);
  expect(pgShape).toEqual(sqliteShape);
});

it("builds exactly the schema's tables from the SQLite migrations", () => {
  const client = new Database(":memory:");
  migrate(drizzle(client), { migrationsFolder: MIGRATIONS_DIR.sqlite });
  const tables = client
    .prepare(
      "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '__drizzle%'",
    )
    .all() as Array<{ name: string }>;
  const migrated: Shape = {};
  for (const { name } of tables) {
    const cols = client.prepare(`pragma table_info(${name})`).all() as Array<{
      name: string;
      notnull: number;
      pk: number;
    }>;
    migrated[name] = Object.fromEntries(
      cols.map((c) => [c.name, { notNull: c.notnull === 1 || c.pk === 1 }]),
    );
  }
  client.close();
  expect(migrated).toEqual(sqliteShape);
});

it("builds exactly the schema's tables from the PostgreSQL migrations", async () => {
  const url = await testDatabaseUrl("parity");
  await (await openPostgres(url)).close();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query<{ table_name: string; column_name: string; is_nullable: string }>(
    "select table_name, column_name, is_nullable from information_schema.columns where table_schema = 'public'",
  );
  await client.end();
  const migrated: Shape = {};
  for (const r of rows) {
    migrated[r.table_name] ??= {};
    migrated[r.table_name]![r.column_name] = { notNull: r.is_nullable === "NO" };
  }
  expect(migrated).toEqual(pgShape);
});

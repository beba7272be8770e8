/**
 * Test support: a fresh, empty PostgreSQL schema per fixture inside one database per test file
 * (CREATE SCHEMA takes milliseconds, CREATE DATABASE a second on a loaded machine). The schema is
 * selected through the connection's search_path, so the store under test needs no knowledge of it.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { testDatabaseUrl } from "../../../../../e2e/peers/test-db.ts";

let database: Promise<string> | null = null;

export async function freshSchemaUrl(): Promise<string> {
  database ??= testDatabaseUrl("meta");
  const base = await database;
  const schema = `s_${randomBytes(6).toString("hex")}`;
  const client = new pg.Client({ connectionString: base });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await client.end();
  }
  const url = new URL(base);
  url.searchParams.set("options", `-c search_path=${schema}`);
  return url.toString();
}

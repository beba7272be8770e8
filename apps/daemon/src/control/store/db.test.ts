/** mapDbError on the real errors each driver raises (the backstop behind the repository's checks). */
import Database from "better-sqlite3";
import pg from "pg";
import { expect, it } from "vitest";
import { testDatabaseUrl } from "../../../../../e2e/peers/test-db.ts";
import { ControlError } from "../errors.ts";
import { mapDbError } from "./db.ts";

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("did not throw");
}

it("maps SQLite unique and foreign-key violations", () => {
  const db = new Database(":memory:");
  db.pragma("foreign_keys = ON");
  db.exec("create table groups (id integer primary key, gid integer unique)");
  db.exec("create table m (group_id integer references groups(id))");
  db.exec("insert into groups values (1, 10000)");
  const dup = mapDbError(caught(() => db.exec("insert into groups values (2, 10000)"))) as ControlError;
  expect([dup.code, dup.field, dup.message]).toEqual(["CONFLICT", "gid", "gid already exists"]);
  const fk = mapDbError(caught(() => db.exec("insert into m values (7)"))) as ControlError;
  expect(fk.code).toBe("IN_USE");
  const other = caught(() => db.exec("select * from nope"));
  expect(mapDbError(other)).toBe(other);
  db.close();
});

it("maps PostgreSQL unique violations with the colliding value", async () => {
  const client = new pg.Client({ connectionString: await testDatabaseUrl("dberr") });
  await client.connect();
  try {
    await client.query("create table users (id serial primary key, username text unique)");
    await client.query("insert into users (username) values ('alice')");
    const e = await client
      .query("insert into users (username) values ('alice')")
      .catch((err: unknown) => err);
    const mapped = mapDbError({ cause: e }) as ControlError;
    expect(mapped).toBeInstanceOf(ControlError);
    expect([mapped.code, mapped.field, mapped.message]).toEqual([
      "CONFLICT",
      "username",
      "username alice already exists",
    ]);
  } finally {
    await client.end();
  }
});

/**
 * Unknown PostgreSQL errors become EIO with their code and are logged once per code: an EIO a
 * client sees can be traced (issue 9, the scale-out benchmark's silent "write small" failure).
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshSchemaUrl } from "../testing/postgres-fixture.ts";
import { toFsError } from "./postgres-errors.ts";

let client: pg.Client;
beforeAll(async () => {
  client = new pg.Client({ connectionString: await freshSchemaUrl() });
  await client.connect();
});
afterAll(async () => {
  await client.end();
});

/** What toFsError writes to stderr while `fn` runs. */
function stderrOf(fn: () => void): string {
  const original = process.stderr.write.bind(process.stderr);
  let out = "";
  process.stderr.write = ((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    fn();
  } finally {
    process.stderr.write = original;
  }
  return out;
}

async function pgError(sql: string): Promise<unknown> {
  return client.query(sql).then(
    () => {
      throw new Error(`${sql} succeeded`);
    },
    (e: unknown) => e,
  );
}

describe("toFsError (PostgreSQL)", () => {
  it("maps a unique violation to EEXIST without logging", async () => {
    await client.query("CREATE TABLE u (k int PRIMARY KEY); INSERT INTO u VALUES (1)");
    const e = await pgError("INSERT INTO u VALUES (1)");
    let mapped: unknown;
    expect(stderrOf(() => (mapped = toFsError(e)))).toBe("");
    expect(mapped).toMatchObject({ code: "EEXIST" });
  });

  it("maps an unexpected error to EIO naming its code, logged once per code", async () => {
    const e = await pgError("SELECT 1/0");
    let mapped: unknown;
    const first = stderrOf(() => (mapped = toFsError(e)));
    expect(mapped).toMatchObject({ code: "EIO" });
    expect((mapped as Error).message).toContain("22012");
    expect(JSON.parse(first)).toMatchObject({ level: 40, store: "postgres", code: "22012" });
    expect(stderrOf(() => toFsError(e))).toBe("");
  });
});

import pg from "pg";
import { expect, it } from "vitest";
import { testDatabaseUrl } from "../../../e2e/peers/test-db.ts";

it("reaches the run's private PostgreSQL", async () => {
  const client = new pg.Client({ connectionString: await testDatabaseUrl("smoke") });
  await client.connect();
  const r = await client.query("select 40 + 2 as n");
  await client.end();
  expect(r.rows[0].n).toBe(42);
});

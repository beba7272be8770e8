/**
 * Vitest global setup: one private PostgreSQL cluster for the whole run (unless
 * DITTOFS_TEST_PG_URL points at one already), shared with every worker through `provide`.
 * Each test file takes its own database from it with `testDatabaseUrl()`.
 */
import type { TestProject } from "vitest/node";
import { startPostgres } from "./postgres.ts";

declare module "vitest" {
  export interface ProvidedContext {
    pgUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env.DITTOFS_TEST_PG_URL;
  if (given !== undefined && given !== "") {
    project.provide("pgUrl", given);
    return async () => {};
  }
  const pg = await startPostgres();
  process.env.DITTOFS_TEST_PG_URL = pg.url;
  project.provide("pgUrl", pg.url);
  return () => pg.stop();
}

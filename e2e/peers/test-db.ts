import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { createDatabase } from "./postgres.ts";

declare module "vitest" {
  export interface ProvidedContext {
    pgUrl: string;
  }
}

/** A fresh, empty PostgreSQL database on the run's private cluster, for one test file or case. */
export async function testDatabaseUrl(prefix = "t"): Promise<string> {
  const base = inject("pgUrl");
  const name = `${prefix}_${randomBytes(6).toString("hex")}`.toLowerCase();
  return createDatabase(base, name);
}

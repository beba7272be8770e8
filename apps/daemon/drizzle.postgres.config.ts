import { defineConfig } from "drizzle-kit";

/** `npx drizzle-kit generate --config apps/daemon/drizzle.postgres.config.ts` (from the repo root). */
export default defineConfig({
  dialect: "postgresql",
  schema: "./apps/daemon/src/control/store/schema-pg.ts",
  out: "./drizzle/postgres",
});

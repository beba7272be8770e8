import { defineConfig } from "drizzle-kit";

/** `npx drizzle-kit generate --config apps/daemon/drizzle.sqlite.config.ts` (from the repo root). */
export default defineConfig({
  dialect: "sqlite",
  schema: "./apps/daemon/src/control/store/schema-sqlite.ts",
  out: "./drizzle/sqlite",
});

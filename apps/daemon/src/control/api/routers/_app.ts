/** The control-plane API: every router, merged. The console imports `type AppRouter` only. */
import { router } from "../trpc.ts";
import { adaptersRouter } from "./adapters/index.ts";
import { auditRouter } from "./audit/index.ts";
import { authRouter } from "./auth/index.ts";
import { clientsRouter } from "./clients/index.ts";
import { groupsRouter } from "./groups/index.ts";
import { healthRouter } from "./health/index.ts";
import { metricsRouter } from "./metrics/index.ts";
import { settingsRouter } from "./settings/index.ts";
import { sharesRouter } from "./shares/index.ts";
import { storesRouter } from "./stores/index.ts";
import { systemRouter } from "./system/index.ts";
import { usersRouter } from "./users/index.ts";

export const appRouter = router({
  auth: authRouter,
  users: usersRouter,
  groups: groupsRouter,
  shares: sharesRouter,
  stores: storesRouter,
  adapters: adaptersRouter,
  clients: clientsRouter,
  settings: settingsRouter,
  audit: auditRouter,
  metrics: metricsRouter,
  health: healthRouter,
  system: systemRouter,
});

export type AppRouter = typeof appRouter;

/** Types-only entry for the console (`@dittofs/daemon/router-types`): no server code. */
export type { AppRouter } from "./routers/_app.ts";

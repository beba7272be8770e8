/** The control plane's public surface for the daemon (createDaemon, Runtime, HTTP server, CLI). */

export { bearerToken, type Context, createContextFactory, type Session } from "./api/context.ts";
export { CONTROL_ERROR_TO_TRPC, ERRNO_TO_TRPC } from "./api/errors.ts";
export { type AppRouter, appRouter } from "./api/routers/_app.ts";
export { createCallerFactory } from "./api/trpc.ts";
export {
  ADMIN_USERNAME,
  type ApplyResult,
  applyDeclaredConfig,
  type BootstrapOptions,
  type BootstrapResult,
  bootstrapControlPlane,
  DEFAULT_ADAPTERS,
  DEFAULT_GROUPS,
  DEFAULT_SHARE_NAME,
  DEFAULT_STORE_NAME,
  type DeclaredConfig,
  defaultStoreConfigs,
} from "./bootstrap.ts";
export { ControlError, type ControlErrorCode, isControlError } from "./errors.ts";
export type {
  AdapterOpMetrics,
  AdapterStatus,
  MetricsSnapshot,
  RuntimeControl,
  RuntimeInfo,
  StoreHealth,
} from "./runtime-control.ts";
export {
  ControlStore,
  type ControlStoreOptions,
  type IdentitySnapshot,
  openControlStore,
} from "./store/control-store.ts";
export { hashPassword, ntHash, verifyPassword } from "./store/passwords.ts";
export type * from "./store/types.ts";

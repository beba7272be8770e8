/** The daemon package's entry: the composition root and what embedders and tests need with it. */

export { ConfigError, type DaemonConfig, loadConfig, resolveConfig } from "./config/load.ts";
export { ADMIN_PASSWORD_FILE, createDaemon, type Daemon, type DaemonDeps } from "./daemon.ts";
export { Runtime } from "./runtime/runtime.ts";

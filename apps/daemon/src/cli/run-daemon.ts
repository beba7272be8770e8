/** `dfs start`: build the daemon, start it, serve until SIGTERM/SIGINT, stop gracefully. */
import type { DaemonConfig } from "../config/load.ts";
import { createDaemon, type Daemon } from "../daemon.ts";
import { waitForTermination } from "../runtime/signals.ts";

export async function runDaemon(config: DaemonConfig): Promise<void> {
  const daemon = await createDaemon(config);
  installProcessHandlers(daemon);
  try {
    await daemon.start();
  } catch (err) {
    await daemon.stop().catch(() => undefined);
    throw err;
  }
  process.stdout.write(`DittoFS API listening on ${daemon.httpUrl} (data in ${config.dataDir})\n`);
  const signal = await waitForTermination();
  daemon.logger.info({ signal }, "stopping");
  await daemon.stop();
}

/** What a daemon process does with errors that escaped every request's own handling. */
export function installProcessHandlers(daemon: Pick<Daemon, "logger" | "stop">): void {
  // A stray rejection in one connection's handler must not take every client down with it.
  process.on("unhandledRejection", (err) => daemon.logger.error({ err }, "unhandled rejection"));
  // After an exception nothing is known about the state: make acknowledged writes durable, then exit.
  process.once("uncaughtException", (err) => {
    daemon.logger.fatal({ err }, "uncaught exception; stopping");
    void daemon.stop().finally(() => process.exit(1));
  });
}

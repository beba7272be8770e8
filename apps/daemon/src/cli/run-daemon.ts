/** `dfs start`: build the daemon, start it, serve until SIGTERM/SIGINT, stop gracefully. */
import type { DaemonConfig } from "../config/load.ts";
import { createDaemon } from "../daemon.ts";
import { waitForTermination } from "../runtime/signals.ts";

export async function runDaemon(config: DaemonConfig): Promise<void> {
  const daemon = await createDaemon(config);
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

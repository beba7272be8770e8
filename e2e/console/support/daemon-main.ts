/**
 * Runs a real daemon for the console suite in its own process: `createDaemon` with the config
 * file given, adapters on 127.0.0.1 and free ports below the ephemeral range (runtime/testing/fixed-port.ts)
 * written into their rows before the start, so runs never collide with each other or with a
 * daemon on the default ports, an adapter restarts on its own port, and a spec can still point an
 * adapter at a port of its choosing. Prints `DAEMON_READY <url>` and stops on SIGTERM.
 */

import { installProcessHandlers } from "../../../apps/daemon/src/cli/run-daemon.ts";
import { loadConfig } from "../../../apps/daemon/src/config/load.ts";
import { createDaemon } from "../../../apps/daemon/src/daemon.ts";
import { waitForTermination } from "../../../apps/daemon/src/runtime/signals.ts";
import { freeFixedPort } from "../../../apps/daemon/src/runtime/testing/fixed-port.ts";

const configPath = process.argv[2];
if (configPath === undefined) throw new Error("usage: daemon-main.ts CONFIG");
const daemon = await createDaemon(loadConfig({ configPath }), {
  adapterHost: "127.0.0.1",
  // Cheaper scrypt keeps the many test logins fast; hashes stay real and verifiable.
  scrypt: { N: 1024, r: 8, p: 1 },
});
// The same process-level handling as `dfs start`, so a stray rejection is logged, not fatal.
installProcessHandlers(daemon);
for (const adapter of await daemon.store.listAdapters()) {
  await daemon.store.updateAdapter(adapter.type, { port: await freeFixedPort() });
}
await daemon.start();
// A port another process bound between the check and our bind: pick another (a few tries).
const REBIND_TRIES = 3;
for (const adapter of daemon.runtime.adapterRecords()) {
  for (let i = 0; i < REBIND_TRIES && !daemon.runtime.adapterStatus(adapter.type).running; i++) {
    await daemon.runtime
      .updateAdapter({ type: adapter.type, port: await freeFixedPort() })
      .catch(() => undefined);
  }
}
process.stdout.write(`DAEMON_READY ${daemon.httpUrl}\n`);
await waitForTermination();
await daemon.stop();
process.exit(0);

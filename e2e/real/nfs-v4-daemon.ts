/**
 * The real daemon (createDaemon: SQLite control store and metadata, fs blocks, WAL, the
 * bootstrap's /export share) as its own process, for tests that SIGKILL it and start it again on
 * the same data directory (nfs-kernel-v4-restart.test.ts). `fresh` bootstraps: the adapters get
 * free ports below the ephemeral range (runtime/testing/fixed-port.ts), the NFS adapter the lease
 * time given, and /export no squash so the guest's root writes as root. `again` starts on
 * what is stored: the same ports, settings and NFSv4 client records. Logs go to stderr; prints
 * "PORT <nfs port>" once it serves.
 *   Usage: node --import tsx nfs-v4-daemon.ts <dataDir> fresh|again <leaseSeconds>
 */

import { pino } from "pino";
import { installProcessHandlers } from "../../apps/daemon/src/cli/run-daemon.ts";
import { resolveConfig } from "../../apps/daemon/src/config/load.ts";
import { createDaemon } from "../../apps/daemon/src/daemon.ts";
import { freeFixedPort } from "../../apps/daemon/src/runtime/testing/fixed-port.ts";

const [dataDir, mode, lease] = process.argv.slice(2);
if (dataDir === undefined || (mode !== "fresh" && mode !== "again") || lease === undefined) {
  throw new Error("usage: nfs-v4-daemon.ts <dataDir> fresh|again <leaseSeconds>");
}
const daemon = await createDaemon(
  resolveConfig({ dataDir, http: { listen: "127.0.0.1:0" }, cache: { size: "64MiB" } }),
  {
    logger: pino({ level: "info" }, pino.destination(2)),
    adapterHost: "127.0.0.1",
    env: { DITTOFS_ADMIN_PASSWORD: "restart-Admin-pass1" },
    scrypt: { N: 1024, r: 8, p: 1 },
    print: () => {},
  },
);
installProcessHandlers(daemon);
if (mode === "fresh") {
  for (const a of await daemon.store.listAdapters()) {
    const settings = a.type === "nfs" ? { ...a.settings, v4LeaseSeconds: Number(lease) } : a.settings;
    await daemon.store.updateAdapter(a.type, { port: await freeFixedPort(), settings });
  }
  await daemon.store.updateShare("/export", { squash: "none" });
}
await daemon.start();
const nfs = daemon.runtime.adapterStatus("nfs");
if (!nfs.running) throw new Error("the NFS adapter did not start");
process.stdout.write(`PORT ${nfs.port}\n`);

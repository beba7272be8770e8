/**
 * The daemon of smb-close-crash.test.ts as its own process, so the test's SIGKILL is real:
 * createDaemon on <dataDir> with its defaults (SQLite metadata, fs block store, WAL, the
 * bootstrap's /export share and admin user), SMB on 127.0.0.1 at any port. Prints "PORT <n>" (the
 * SMB port) once it serves. Usage: node --import tsx smb-crash-daemon.ts <dataDir> <adminPassword>
 */
import { join } from "node:path";
import { pino } from "pino";
import { resolveConfig } from "../../apps/daemon/src/config/load.ts";
import { createDaemon } from "../../apps/daemon/src/daemon.ts";

async function main(): Promise<void> {
  const [dataDir, password] = process.argv.slice(2);
  if (dataDir === undefined || password === undefined)
    throw new Error("usage: smb-crash-daemon <dataDir> <adminPassword>");
  const daemon = await createDaemon(
    resolveConfig({
      dataDir: join(dataDir, "data"),
      http: { listen: "127.0.0.1:0" },
      cache: { size: "256MiB" },
    }),
    {
      logger: pino({ level: "warn" }, pino.destination(2)),
      adapterHost: "127.0.0.1",
      adapterPortOverride: 0,
      env: { DITTOFS_ADMIN_PASSWORD: password },
      scrypt: { N: 1024, r: 8, p: 1 },
      print: () => {},
    },
  );
  await daemon.start();
  process.stdout.write(`PORT ${daemon.runtime.adapterStatus("smb").port}\n`);
}

main().catch((e) => {
  process.stderr.write(`smb crash daemon failed: ${(e as Error).stack}\n`);
  process.exit(3);
});

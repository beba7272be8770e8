/**
 * One DittoFS daemon as its own process, for the scale-out test (scaleout.test.ts) and the
 * benchmark (bench/scaleout.ts): the real createDaemon with the config given as JSON in
 * SCALEOUT_CONFIG, HTTP and every adapter on 127.0.0.1 port 0. Once serving, it prints one line
 * `SCALEOUT_READY {"http":…,"nfs":port,"smb":port}` so the parent can connect; it runs until SIGTERM (graceful
 * stop) or SIGKILL (the crash case). Run with `npx tsx e2e/real/scaleout-daemon.ts`.
 */
import { pino } from "pino";
import { resolveConfig } from "../../apps/daemon/src/config/load.ts";
import { createDaemon } from "../../apps/daemon/src/daemon.ts";

export const READY_PREFIX = "SCALEOUT_READY ";

async function main(): Promise<void> {
  const raw = process.env.SCALEOUT_CONFIG;
  if (raw === undefined) throw new Error("SCALEOUT_CONFIG is not set");
  const config = resolveConfig({
    ...(JSON.parse(raw) as Record<string, unknown>),
    http: { listen: "127.0.0.1:0" },
  });
  const daemon = await createDaemon(config, {
    logger: pino({ level: process.env.SCALEOUT_LOG ?? "warn" }, pino.destination(2)),
    adapterHost: "127.0.0.1",
    adapterPortOverride: 0,
    env: { DITTOFS_ADMIN_PASSWORD: "scaleout-admin-password" },
    scrypt: { N: 1024, r: 8, p: 1 },
    print: () => {},
  });
  await daemon.start();
  // SMB needs a share permission (NFS goes by AUTH_UNIX): the admin may read and write every
  // declared share, as a console user would grant it.
  for (const share of config.declared.shares) {
    await daemon.store.setPermission(share.name, { user: "admin" }, "read-write");
  }
  await daemon.runtime.identityChanged();
  const nfs = daemon.runtime.adapterStatus("nfs").port;
  const smb = daemon.runtime.adapterStatus("smb").port;
  process.stdout.write(`${READY_PREFIX}${JSON.stringify({ http: daemon.httpUrl, nfs, smb })}\n`);
  const stop = () => {
    void daemon.stop().finally(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`scaleout-daemon: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});

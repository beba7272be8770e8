/**
 * The failing-get scenario of the console suite against the real daemon (createDaemon: SQLite
 * metadata, fs block store, WAL, the bootstrap's /export share and admin user) in this process:
 * a file written over NFS by nfs-cp, smbclient gets that fail (missing file, unwritable local path,
 * killed mid-transfer), a session killed at its prompt. No uncaught exception or unhandled
 * rejection may reach the process, and SMB and NFS keep serving afterwards.
 */
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { resolveConfig } from "../../apps/daemon/src/config/load.ts";
import { createDaemon, type Daemon } from "../../apps/daemon/src/daemon.ts";
import { expectPutGetRoundTrip, killGetMidway, type SmbTarget, smbclient } from "./smb-helpers.ts";

const PASSWORD = "robust-Admin-pass1";
const BIG_BYTES = 16 * 1024 * 1024;
const escaped: unknown[] = [];
const onEscape = (e: unknown) => escaped.push(e);
const settle = () => new Promise((r) => setTimeout(r, 300));

function run(cmd: string, args: string[], cwd: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, timeout: 60_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err
        ? typeof (err as { code?: unknown }).code === "number"
          ? (err as { code: number }).code
          : 1
        : 0;
      resolve({ code, out: `${stdout}${stderr}` });
    });
  });
}

describe("the daemon survives failing SMB gets (console-suite scenario)", () => {
  let daemon: Daemon;
  let dir: string;
  let smbPort: number;
  let nfsPort: number;
  const adminTarget = (): SmbTarget => ({ port: smbPort, user: "admin", password: PASSWORD });
  const smb = (cmds: string) => smbclient(adminTarget(), cmds, dir);

  beforeAll(async () => {
    process.on("uncaughtException", onEscape);
    process.on("unhandledRejection", onEscape);
    dir = mkdtempSync(join(tmpdir(), "smb-robust-daemon-"));
    const config = resolveConfig({
      dataDir: join(dir, "data"),
      http: { listen: "127.0.0.1:0" },
      cache: { size: "64MiB" },
    });
    daemon = await createDaemon(config, {
      logger: pino({ level: process.env.SMB_TEST_LOG ?? "silent" }),
      adapterHost: "127.0.0.1",
      adapterPortOverride: 0,
      env: { DITTOFS_ADMIN_PASSWORD: PASSWORD },
      scrypt: { N: 1024, r: 8, p: 1 },
      print: () => {},
    });
    await daemon.start();
    smbPort = daemon.runtime.adapterStatus("smb").port;
    nfsPort = daemon.runtime.adapterStatus("nfs").port;
  });

  afterAll(async () => {
    process.off("uncaughtException", onEscape);
    process.off("unhandledRejection", onEscape);
    await daemon?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  afterEach(async () => {
    await settle();
    expect(escaped).toEqual([]);
  });

  it("gets over SMB what nfs-cp wrote, after failing gets and killed clients", async () => {
    writeFileSync(join(dir, "in.bin"), randomBytes(300_000));
    const admin = await daemon.store.getUser("admin");
    const ids = `uid=${admin.uid}&gid=${admin.gid}`;
    const url = `nfs://127.0.0.1/export/from-nfs.bin?version=3&nfsport=${nfsPort}&mountport=${nfsPort}&${ids}`;
    const cp = await run("nfs-cp", [join(dir, "in.bin"), url], dir);
    expect(cp.code, cp.out).toBe(0);
    writeFileSync(join(dir, "big.bin"), randomBytes(BIG_BYTES));
    expect((await smb("put big.bin")).code).toBe(0);

    expect((await smb("get missing.bin")).out).toContain("NT_STATUS_OBJECT_NAME_NOT_FOUND");
    expect((await smb("get from-nfs.bin /proc/none/x")).code).not.toBe(0);
    for (let round = 0; round < 3; round++) {
      await killGetMidway(adminTarget(), "big.bin", join(dir, `partial-${round}.bin`));
    }
    const session = spawn(
      "smbclient",
      ["//127.0.0.1/export", "-p", String(smbPort), "-U", `admin%${PASSWORD}`],
      {
        stdio: ["pipe", "pipe", "pipe"],
      },
    );
    await new Promise((r) => setTimeout(r, 500));
    session.kill("SIGTERM");
    await settle();

    const got = await smb("get from-nfs.bin back.bin");
    expect(got.code, got.out).toBe(0);
    expect(readFileSync(join(dir, "back.bin")).equals(readFileSync(join(dir, "in.bin")))).toBe(true);
    const ls = await run(
      "nfs-ls",
      [`nfs://127.0.0.1/export?version=3&nfsport=${nfsPort}&mountport=${nfsPort}`],
      dir,
    );
    expect(ls.out).toContain("from-nfs.bin");
  });

  it("stops and restarts the SMB adapter under gets in flight, and serves again", async () => {
    for (let round = 0; round < 3; round++) {
      const gets = Array.from({ length: 4 }, (_, i) => smb(`get big.bin restart-${round}-${i}.bin`));
      await new Promise((r) => setTimeout(r, 50 + round * 100));
      await daemon.runtime.stopAdapter("smb");
      await Promise.all(gets);
      await daemon.runtime.startAdapter("smb");
      smbPort = daemon.runtime.adapterStatus("smb").port;
    }
    await settle();
    const got = await smb("get from-nfs.bin back2.bin");
    expect(got.code, got.out).toBe(0);
    await expectPutGetRoundTrip(adminTarget(), dir);
  });
});

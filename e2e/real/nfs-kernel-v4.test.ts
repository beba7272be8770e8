/**
 * The Linux kernel NFSv4 client (in the qemu guest of e2e/clients) against the DittoFS NFS
 * adapter: NFSv4.1 and NFSv4.0 mounts on the adapter's one port (no MOUNT protocol, no
 * portmapper), each running the rig body (64 MiB write, remount, byte-identical read, tree
 * create/rename/remove) in one guest boot.
 */
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NfsServer, startNfsServer } from "../../apps/daemon/src/protocols/nfs/testing/server.ts";
import { type GuestSession, startGuest } from "../clients/guest-session.ts";
import { hostMountNfsCommand, stageHostMountNfs } from "../clients/host-mount-nfs.ts";
import { mountedScript } from "../clients/mount.ts";
import { formatRigReport, nfsRigBody, runBody } from "../clients/rig-body.ts";

describe("kernel NFSv4 client against DittoFS", () => {
  let dir: string;
  let shareDir: string;
  let server: NfsServer;
  let guest: GuestSession;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "dittofs-kernel-v4-"));
    shareDir = mkdtempSync(join(tmpdir(), "dittofs-kernel-v4-share-"));
    chmodSync(shareDir, 0o755);
    const started = await Promise.allSettled([
      startNfsServer({ stores: { dataDir: dir } }).then((s) => {
        server = s;
      }),
      startGuest({ shareDir }).then((g) => {
        guest = g;
      }),
    ]);
    for (const r of started) if (r.status === "rejected") throw r.reason;
    stageHostMountNfs(shareDir);
  });

  afterAll(async () => {
    await guest?.stop();
    await server?.stop();
    for (const d of [dir, shareDir]) if (d !== undefined) rmSync(d, { recursive: true, force: true });
  });

  it("mount.nfs without vers= (port given) mounts NFSv4.2 or 4.1 and runs the rig body", async () => {
    const mnt = "/mnt/auto";
    const mount = hostMountNfsCommand("/export", mnt, `port=${server.port}`);
    const report = await runBody("auto", (commands) => mountedScript(mount, mnt, commands), {
      session: guest,
      afterCommands: `grep " $MNT " /proc/mounts`,
    });
    console.log(formatRigReport("kernel NFS (mount.nfs, no vers=) → DittoFS", report));
    const line = / nfs4 .*/.exec(report.output)?.[0];
    console.log(line);
    expect(line).toMatch(/vers=4\.[12]/);
  });

  for (const vers of ["4.1", "4.0"] as const) {
    it(`vers=${vers}: the rig body, and /proc/mounts shows the version`, async () => {
      const report = await nfsRigBody(
        { nfsPort: server.port, mountPort: server.port, exportPath: "/export", vers },
        { session: guest, afterCommands: `grep " $MNT " /proc/mounts` },
      );
      console.log(formatRigReport(`kernel NFSv${vers} → DittoFS`, report));
      expect(report.output).toMatch(new RegExp(`nfs4 .*vers=${vers.replace(".", "\\.")}`));
    });
  }
});

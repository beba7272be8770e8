/**
 * Proves the real-client rig against reference servers: the Linux kernel NFSv3 client in the
 * qemu guest against NFS-Ganesha (VFS FSAL), and the kernel CIFS client (SMB 3.0) against Samba, on
 * loopback. The same body (e2e/clients/rig-body.ts)
 * runs against DittoFS in the NFS and SMB suites. Prints boot time and the 64 MiB round trip.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { guestImage } from "../clients/guest.ts";
import { MOUNT_FAILED_STATUS, withKernelCifs, withKernelNfs } from "../clients/mount.ts";
import { cifsRigBody, formatRigReport, nfsRigBody } from "../clients/rig-body.ts";
import { type GaneshaPeer, startGanesha } from "../peers/ganesha.ts";
import { type SambaPeer, startSamba } from "../peers/samba.ts";

describe("real-client rig: kernel NFSv3 client against NFS-Ganesha (VFS)", () => {
  let dir: string;
  let ganesha: GaneshaPeer;

  beforeAll(async () => {
    await guestImage(); // the one-time build is not part of the body's timing
    dir = mkdtempSync(join(tmpdir(), "dittofs-rig-nfs-"));
    chmodSync(dir, 0o777);
    ganesha = await startGanesha({ fsal: "VFS", exportPath: dir });
  });

  afterAll(async () => {
    await ganesha?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it("mounts, writes and reads back, 64 MiB round trip with matching MD5", async () => {
    const report = await nfsRigBody({
      nfsPort: ganesha.nfsPort,
      mountPort: ganesha.mountPort,
      exportPath: ganesha.exportPath,
    });
    console.log(formatRigReport("kernel NFSv3 → Ganesha VFS", report));
    expect(report.bootMs).toBeGreaterThan(0);
    // The body removes what it made; the export dir on the host is empty again.
    expect(readdirSync(dir)).toEqual([]);
  });

  it("a file the guest writes lands byte-exact in the exported host directory", async () => {
    const r = await withKernelNfs(
      { port: ganesha.nfsPort, mountPort: ganesha.mountPort, exportPath: ganesha.exportPath },
      "printf 'line one\\nline two\\n' > from-guest.txt; mkdir sub; echo x > sub/y",
    );
    expect(r.exitCode, r.output).toBe(0);
    expect(readFileSync(join(dir, "from-guest.txt"), "utf8")).toBe("line one\nline two\n");
    expect(existsSync(join(dir, "sub", "y"))).toBe(true);
  });
});

describe("real-client rig: kernel CIFS client (SMB 3.0) against Samba", () => {
  let samba: SambaPeer;
  const password = `Rig-${randomBytes(6).toString("hex")}`;

  beforeAll(async () => {
    await guestImage();
    samba = await startSamba({ user: "dittorig", password });
  });

  afterAll(async () => {
    await samba?.stop();
  });

  it("mounts, writes and reads back, 64 MiB round trip with matching MD5", async () => {
    const report = await cifsRigBody({ smbPort: samba.port, share: samba.share, user: samba.user, password });
    console.log(formatRigReport("kernel CIFS 3.0 → Samba", report));
    expect(report.bootMs).toBeGreaterThan(0);
    expect(readdirSync(samba.sharePath)).toEqual([]);
  });

  it("a wrong password makes the mount fail with the rig's mount status", async () => {
    const target = { port: samba.port, share: samba.share, username: samba.user, password: "not-it" };
    const r = await withKernelCifs(target, "touch should-not-exist");
    expect(r.exitCode, r.output).toBe(MOUNT_FAILED_STATUS);
    expect(readdirSync(samba.sharePath)).toEqual([]);
  });
});

/**
 * Proves the real-client rig against reference servers: the Linux kernel NFSv3 client in the
 * qemu guest against NFS-Ganesha (VFS FSAL) on loopback. The same body (e2e/clients/rig-body.ts)
 * runs against DittoFS in the NFS and SMB suites. Prints boot time and the 64 MiB round trip.
 */
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { guestImage } from "../clients/guest.ts";
import { formatRigReport, nfsRigBody } from "../clients/rig-body.ts";
import { type GaneshaPeer, startGanesha } from "../peers/ganesha.ts";

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
    const { withKernelNfs } = await import("../clients/mount.ts");
    const r = await withKernelNfs(
      { port: ganesha.nfsPort, mountPort: ganesha.mountPort, exportPath: ganesha.exportPath },
      "printf 'line one\\nline two\\n' > from-guest.txt; mkdir sub; echo x > sub/y",
    );
    expect(r.exitCode, r.output).toBe(0);
    expect(readFileSync(join(dir, "from-guest.txt"), "utf8")).toBe("line one\nline two\n");
    expect(existsSync(join(dir, "sub", "y"))).toBe(true);
  });
});

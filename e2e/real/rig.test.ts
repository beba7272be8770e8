/**
 * Proves the real-client rig against reference servers on loopback: the Linux kernel NFSv3 client
 * in the qemu guest against NFS-Ganesha (VFS FSAL), and the kernel CIFS client (SMB 3.0) against
 * Samba. The same body (e2e/clients/rig-body.ts) runs against DittoFS in the NFS and SMB suites.
 * Prints boot time and the 64 MiB round trip. One guest boot per server keeps this within budget.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { guestImage } from "../clients/guest.ts";
import { cifsMountCommand, nfsMountCommand } from "../clients/mount.ts";
import { cifsRigBody, formatRigReport, nfsRigBody } from "../clients/rig-body.ts";
import { type GaneshaPeer, startGanesha } from "../peers/ganesha.ts";
import { type SambaPeer, startSamba } from "../peers/samba.ts";

describe("real-client rig: kernel NFSv3 client against NFS-Ganesha (VFS)", () => {
  let dir: string;
  let ganesha: GaneshaPeer;

  beforeAll(async () => {
    await guestImage(); // a first-time build is not part of the body's timing
    dir = mkdtempSync(join(tmpdir(), "dittofs-rig-nfs-"));
    chmodSync(dir, 0o777);
    ganesha = await startGanesha({ fsal: "VFS", exportPath: dir });
  });

  afterAll(async () => {
    await ganesha?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it("mounts, writes and reads back, 64 MiB round trip with matching MD5; files land on the host; NFSv4.1", async () => {
    const v41 = nfsMountCommand(
      { port: ganesha.nfsPort, exportPath: ganesha.exportPath, vers: "4.1" },
      "/mnt/v41",
    );
    const report = await nfsRigBody(
      { nfsPort: ganesha.nfsPort, mountPort: ganesha.mountPort, exportPath: ganesha.exportPath },
      {
        afterCommands: `printf 'line one\\nline two\\n' > from-guest.txt; mkdir sub; echo x > sub/y
mkdir -p /mnt/v41
${v41}
[ "$(cat /mnt/v41/sub/y)" = x ]
echo v41 > /mnt/v41/sub/z
[ "$(stat -c %u:%g /mnt/v41/sub/z)" = 0:0 ]
umount /mnt/v41`,
      },
    );
    console.log(formatRigReport("kernel NFSv3 → Ganesha VFS", report));
    expect(report.bootMs).toBeGreaterThan(0);
    // The body removed what it made; only the after-commands' files are in the exported dir.
    expect(readdirSync(dir).sort()).toEqual(["from-guest.txt", "sub"]);
    expect(readFileSync(join(dir, "from-guest.txt"), "utf8")).toBe("line one\nline two\n");
    expect(readFileSync(join(dir, "sub", "y"), "utf8")).toBe("x\n");
    expect(readFileSync(join(dir, "sub", "z"), "utf8")).toBe("v41\n");
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

  it("mounts, writes and reads back, 64 MiB round trip with matching MD5; SMB 3.1.1 sealed; a wrong password fails", async () => {
    const account = { port: samba.port, share: samba.share, username: samba.user };
    const wrong = cifsMountCommand({ ...account, password: "not-it" }, "/mnt/wrong");
    // Encryption needs the AEAD/CMAC/SHA-512 crypto modules in the guest ("Failed alloc encrypt aead").
    const sealed = cifsMountCommand({ ...account, password, vers: "3.1.1", options: "seal" }, "/mnt/sealed");
    const report = await cifsRigBody(
      { smbPort: samba.port, share: samba.share, user: samba.user, password },
      {
        afterCommands: `echo "from guest" > from-guest.txt
mkdir -p /mnt/sealed /mnt/wrong
${sealed}
[ "$(cat /mnt/sealed/from-guest.txt)" = "from guest" ]
echo "sealed" > /mnt/sealed/sealed.txt
umount /mnt/sealed
if ${wrong}; then echo "mounted with a wrong password"; exit 1; fi`,
      },
    );
    console.log(formatRigReport("kernel CIFS 3.0 → Samba", report));
    expect(report.bootMs).toBeGreaterThan(0);
    expect(readdirSync(samba.sharePath).sort()).toEqual(["from-guest.txt", "sealed.txt"]);
    expect(readFileSync(join(samba.sharePath, "sealed.txt"), "utf8")).toBe("sealed\n");
    expect(readFileSync(join(samba.sharePath, "from-guest.txt"), "utf8")).toBe("from guest\n");
  });
});

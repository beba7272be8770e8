/**
 * Proves the real-client rig against reference servers on loopback: the Linux kernel NFSv3 client
 * in the qemu guest against NFS-Ganesha (VFS FSAL), and the kernel CIFS client (SMB 3.0) against
 * Samba. The same body (e2e/clients/rig-body.ts) runs against DittoFS in the NFS and SMB suites.
 * Prints boot time and the 64 MiB round trips. Both bodies share one guest session (one boot),
 * which also proves that runs in a session see each other's leftovers and report their status.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GuestSession, startGuest } from "../clients/guest-session.ts";
import { cifsMountCommand, nfsMountCommand } from "../clients/mount.ts";
import { cifsRigBody, formatRigReport, nfsRigBody } from "../clients/rig-body.ts";
import { type GaneshaPeer, startGanesha } from "../peers/ganesha.ts";
import { type SambaPeer, startSamba } from "../peers/samba.ts";

describe("real-client rig: kernel clients against Ganesha and Samba", () => {
  let exportDir: string;
  let shareDir: string;
  let ganesha: GaneshaPeer;
  let samba: SambaPeer;
  let guest: GuestSession;
  const password = `Rig-${randomBytes(6).toString("hex")}`;

  beforeAll(async () => {
    exportDir = mkdtempSync(join(tmpdir(), "dittofs-rig-nfs-"));
    chmodSync(exportDir, 0o777);
    shareDir = mkdtempSync(join(tmpdir(), "dittofs-rig-share-"));
    chmodSync(shareDir, 0o755);
    // Started side by side; each is kept as soon as it is up, so afterAll stops it even if
    // another one failed to start.
    const started = await Promise.allSettled([
      startGanesha({ fsal: "VFS", exportPath: exportDir }).then((g) => {
        ganesha = g;
      }),
      startSamba({ user: "dittorig", password }).then((s) => {
        samba = s;
      }),
      startGuest({ shareDir }).then((g) => {
        guest = g;
      }),
    ]);
    for (const r of started) if (r.status === "rejected") throw r.reason;
  });

  afterAll(async () => {
    await guest?.stop();
    await ganesha?.stop();
    await samba?.stop();
    for (const d of [exportDir, shareDir]) if (d !== undefined) rmSync(d, { recursive: true, force: true });
  });

  it("NFSv3 → Ganesha VFS: write/read back, 64 MiB round trip with matching MD5; files land on the host; NFSv4.1", async () => {
    const v41 = nfsMountCommand(
      { port: ganesha.nfsPort, exportPath: ganesha.exportPath, vers: "4.1" },
      "/mnt/v41",
    );
    const report = await nfsRigBody(
      { nfsPort: ganesha.nfsPort, mountPort: ganesha.mountPort, exportPath: ganesha.exportPath },
      {
        session: guest,
        afterCommands: `printf 'line one\\nline two\\n' > from-guest.txt; mkdir sub; echo x > sub/y
mkdir -p /mnt/v41
${v41}
[ "$(cat /mnt/v41/sub/y)" = x ]
echo v41 > /mnt/v41/sub/z
[ "$(stat -c %u:%g /mnt/v41/sub/z)" = 0:0 ]
umount /mnt/v41
echo left-by-nfs-run > /tmp/leftover`,
      },
    );
    console.log(formatRigReport("kernel NFSv3 → Ganesha VFS", report));
    expect(report.bootMs).toBe(guest.bootMs);
    // The body removed what it made; only the after-commands' files are in the exported dir.
    expect(readdirSync(exportDir).sort()).toEqual(["from-guest.txt", "sub"]);
    expect(readFileSync(join(exportDir, "from-guest.txt"), "utf8")).toBe("line one\nline two\n");
    expect(readFileSync(join(exportDir, "sub", "y"), "utf8")).toBe("x\n");
    expect(readFileSync(join(exportDir, "sub", "z"), "utf8")).toBe("v41\n");
    // The body's data file in the session's share is gone again.
    expect(readdirSync(shareDir)).toEqual([]);
  });

  it("CIFS 3.0 → Samba: 64 MiB round trip with matching MD5; SMB 3.1.1 sealed; a wrong password fails", async () => {
    const account = { port: samba.port, share: samba.share, username: samba.user };
    const wrong = cifsMountCommand({ ...account, password: "not-it" }, "/mnt/wrong");
    // Encryption needs the AEAD/CMAC/SHA-512 crypto modules in the guest ("Failed alloc encrypt aead").
    const sealed = cifsMountCommand({ ...account, password, vers: "3.1.1", options: "seal" }, "/mnt/sealed");
    const report = await cifsRigBody(
      { smbPort: samba.port, share: samba.share, user: samba.user, password },
      {
        session: guest,
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
    expect(readdirSync(samba.sharePath).sort()).toEqual(["from-guest.txt", "sealed.txt"]);
    expect(readFileSync(join(samba.sharePath, "from-guest.txt"), "utf8")).toBe("from guest\n");
    expect(readFileSync(join(samba.sharePath, "sealed.txt"), "utf8")).toBe("sealed\n");
  });

  it("session runs see earlier runs' leftovers and report their own status and output", async () => {
    const r = await guest.run(
      "cat /tmp/leftover; grep -c ' nfs ' /proc/mounts || true; echo oops >&2; exit 5",
    );
    expect(r.exitCode).toBe(5);
    // No NFS mount is left behind by the bodies; the NFS run's leftover file is.
    expect(r.output).toBe("left-by-nfs-run\n0\noops\n");
  });
});

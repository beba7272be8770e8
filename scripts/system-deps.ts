/**
 * Debian packages the test suites and benchmarks need. `npm test` installs the missing ones in a
 * single apt call when it runs as root; otherwise it says which are missing and goes on (the
 * suites that need them fail with a clear message instead of being skipped silently).
 */
import { execFileSync, spawnSync } from "node:child_process";

export const SYSTEM_PACKAGES = [
  "chromium",
  "libnfs-utils",
  "libnfs-dev",
  "smbclient",
  "samba-testsuite",
  "postgresql",
  "qemu-system-x86",
  "busybox-static",
  "nfs-ganesha",
  "nfs-ganesha-vfs",
  "nfs-ganesha-mem",
  "samba",
  "samba-vfs-modules",
  "samba-common-bin", // smbpasswd for the Samba peer
  "rpcbind",
  "passwd", // useradd for the Samba peer's Unix account
  "util-linux", // unshare for the Ganesha peer's private /run and rpcbind
  "qemu-system-data", // qboot.rom and pvh.bin for the test guest's fast boot
  "kmod", // depmod for the guest's module tree
  "cpio", // the guest's initramfs
  "xz-utils", // unpacking the kernel's xz payload to the bootable vmlinux
  "dpkg", // dpkg-deb -x of the guest kernel (fetched by apt-get download, not installed)
  "procps", // ps, used by the rig tests to check qemu was reaped
  "gcc",
  "libc6-dev", // libc.a for the statically linked guest helper (e2e/real/guest-lock.c)
] as const;

function isInstalled(pkg: string): boolean {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax
  const r = spawnSync("dpkg-query", ["-W", "-f=${Status}", pkg], { encoding: "utf8" });
  return r.status === 0 && r.stdout.includes("install ok installed");
}

export function missingSystemPackages(): string[] {
  return SYSTEM_PACKAGES.filter((p) => !isInstalled(p));
}

export function ensureSystemPackages(log: (msg: string) => void = console.log): void {
  const missing = missingSystemPackages();
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    log(`system packages missing and not root, cannot install: ${missing.join(" ")}`);
    return;
  }
  log(`installing system packages: ${missing.join(" ")}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
  execFileSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...missing], {
    stdio: "inherit",
    env,
  });
}

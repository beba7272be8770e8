/**
 * The host's `mount.nfs` (Debian nfs-common) run inside the busybox guest, to test what a user's
 * plain `mount -t nfs -o port=P host:/export /mnt` does: mount.nfs, not the kernel, negotiates
 * the version (4.2, then 4.1, 4.0, then 3). The binary, the libraries it links (ldd) and the
 * dynamic loader are copied into the 9p share, and the guest runs the loader on it.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync } from "node:fs";
import { basename, join } from "node:path";
import { HOST_FROM_GUEST, shellQuote } from "./mount.ts";

const MOUNT_NFS = "/sbin/mount.nfs";
const STAGE_DIR = "nfs-utils";

/** Copies mount.nfs and what it needs into `shareDir`/nfs-utils (the guest's /share/nfs-utils). */
export function stageHostMountNfs(shareDir: string): void {
  const dir = join(shareDir, STAGE_DIR);
  mkdirSync(dir, { recursive: true });
  const ldd = execFileSync("ldd", [MOUNT_NFS], { encoding: "utf8" });
  for (const m of ldd.matchAll(/(\/\S+\.so[.\d]*)/g)) copyFileSync(m[1]!, join(dir, basename(m[1]!)));
  copyFileSync(MOUNT_NFS, join(dir, "mount.nfs"));
  copyFileSync("/etc/netconfig", join(dir, "netconfig"));
}

/**
 * The guest command mounting `exportPath` at `mnt` with mount.nfs and only `options` (no
 * `vers=`: the version is what mount.nfs negotiates).
 */
export function hostMountNfsCommand(exportPath: string, mnt: string, options: string): string {
  const d = `/share/${STAGE_DIR}`;
  const source = `${HOST_FROM_GUEST}:${exportPath}`;
  return `{ [ -e /etc/netconfig ] || { mkdir -p /etc && cp ${d}/netconfig /etc/netconfig; }; ${d}/ld-linux-x86-64.so.2 --library-path ${d} ${d}/mount.nfs ${shellQuote(source)} ${shellQuote(mnt)} -n -o ${shellQuote(options)}; }`;
}

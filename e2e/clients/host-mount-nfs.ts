/**
 * The host's `mount.nfs` (Debian nfs-common) run inside the busybox guest, to test what a user's
 * plain `mount -t nfs -o port=P host:/export /mnt` does: mount.nfs, not the kernel, negotiates
 * the version (4.2, then 4.1, 4.0, then 3). The binary, the libraries it links (ldd) and the
 * dynamic loader are copied into the 9p share, and the guest runs the loader on it.
 */
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { hostProgramCommand, stageHostProgram } from "./host-program.ts";
import { HOST_FROM_GUEST, shellQuote } from "./mount.ts";

const MOUNT_NFS = "/sbin/mount.nfs";
const STAGE_DIR = "nfs-utils";

/** Copies mount.nfs and what it needs into `shareDir`/nfs-utils (the guest's /share/nfs-utils). */
export function stageHostMountNfs(shareDir: string): void {
  stageHostProgram(shareDir, MOUNT_NFS, STAGE_DIR);
  copyFileSync("/etc/netconfig", join(shareDir, STAGE_DIR, "netconfig"));
}

/**
 * The guest command mounting `exportPath` at `mnt` with mount.nfs and only `options` (no
 * `vers=`: the version is what mount.nfs negotiates).
 */
export function hostMountNfsCommand(exportPath: string, mnt: string, options: string): string {
  const d = `/share/${STAGE_DIR}`;
  const source = `${HOST_FROM_GUEST}:${exportPath}`;
  return `{ [ -e /etc/netconfig ] || { mkdir -p /etc && cp ${d}/netconfig /etc/netconfig; }; ${hostProgramCommand(MOUNT_NFS, STAGE_DIR)} ${shellQuote(source)} ${shellQuote(mnt)} -n -o ${shellQuote(options)}; }`;
}

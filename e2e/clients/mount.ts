/**
 * Mounting a server on the host's loopback from the test guest with the Linux kernel clients.
 *
 * busybox `mount` has no NFS helper: it hands `-o` to the kernel as-is, so the server address
 * (`addr=`) and both ports are given explicitly and no portmapper is asked. NLM needs callbacks
 * into the guest, which slirp cannot carry: NFS mounts use `nolock`.
 *
 * The snippets below compose into guest scripts; `withKernelNfs` / `withKernelCifs` boot a guest,
 * mount, run `commands` in the mount point (under `set -e`, with $MNT set), unmount, and return
 * the guest's output and exit status: the commands' status, or MOUNT_FAILED_STATUS /
 * UMOUNT_FAILED_STATUS. `nfsScript` / `cifsScript` give the same script for a GuestSession. Inside the commands `rig_remount` unmounts and mounts again (to read back
 * from the server instead of the client's page cache).
 */
import { type GuestOptions, type GuestResult, runInGuest } from "./guest.ts";

/** The host's 127.0.0.1 as the guest sees it (qemu user networking). */
export const HOST_FROM_GUEST = "10.0.2.2";
export const MOUNT_FAILED_STATUS = 90;
export const UMOUNT_FAILED_STATUS = 91;

export interface KernelNfsTarget {
  /** NFS program port on the host's 127.0.0.1. */
  port: number;
  /** MOUNT program port (NFSv3 only); default `port` (one listener serving both). */
  mountPort?: number;
  /**
   * "3" (default), or "4.0" / "4.1" / "4.2": NFSv4 needs no MOUNT protocol and locks in-band,
   * so it mounts without `nolock`. The guest has no idmapper: owners cross the wire as numbers
   * only if the server accepts and sends numeric owner strings (Ganesha: Only_Numeric_Owners).
   */
  vers?: "3" | "4.0" | "4.1" | "4.2";
  /** MOUNT3 dirpath, e.g. "/export". */
  exportPath: string;
  /** Extra mount options appended to the defaults (e.g. "rsize=65536,wsize=65536"). */
  options?: string;
}

export interface KernelCifsTarget {
  port: number;
  /** Share name, without slashes. */
  share: string;
  /** SMB dialect: "2.0", "2.1", "3.0", "3.02", "3.1.1"; default "3.0". */
  vers?: string;
  username: string;
  password: string;
  options?: string;
}

/** Single-quotes a string for sh. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function checkOptionValue(name: string, value: string): void {
  // Mount options are comma-separated and the script is a shell line: keep values plain.
  if (/[,\n\0]/.test(value))
    throw new Error(`${name} must not contain commas or newlines: ${JSON.stringify(value)}`);
}

/** The guest's own address, for NFSv4.0's callback channel (slirp cannot carry it back). */
const GUEST_ADDRESS = "10.0.2.15";

export function nfsMountOptions(t: KernelNfsTarget): string {
  const vers = t.vers ?? "3";
  const base =
    vers === "3"
      ? `vers=3,proto=tcp,port=${t.port},mountport=${t.mountPort ?? t.port},mountproto=tcp,nolock,addr=${HOST_FROM_GUEST}`
      : `vers=${vers},proto=tcp,port=${t.port},addr=${HOST_FROM_GUEST},clientaddr=${GUEST_ADDRESS}`;
  return t.options === undefined || t.options === "" ? base : `${base},${t.options}`;
}

/** The guest command that mounts the NFS export at `mnt`. */
export function nfsMountCommand(t: KernelNfsTarget, mnt: string): string {
  checkOptionValue("exportPath", t.exportPath);
  const source = `${HOST_FROM_GUEST}:${t.exportPath}`;
  return `mount -t nfs -o ${shellQuote(nfsMountOptions(t))} ${shellQuote(source)} ${shellQuote(mnt)}`;
}

export function cifsMountOptions(t: KernelCifsTarget): string {
  checkOptionValue("username", t.username);
  checkOptionValue("password", t.password);
  const base = `vers=${t.vers ?? "3.0"},port=${t.port},username=${t.username},password=${t.password}`;
  return t.options === undefined || t.options === "" ? base : `${base},${t.options}`;
}

/** The guest command that mounts the SMB share at `mnt`. */
export function cifsMountCommand(t: KernelCifsTarget, mnt: string): string {
  checkOptionValue("share", t.share);
  const source = `//${HOST_FROM_GUEST}/${t.share}`;
  return `mount -t cifs -o ${shellQuote(cifsMountOptions(t))} ${shellQuote(source)} ${shellQuote(mnt)}`;
}

/**
 * A guest script: mount with `mountCommand` at `mnt`, run `commands` there in a `set -e`
 * subshell, unmount; exits with the commands' status (or 90/91 for mount/umount failures).
 */
export function mountedScript(mountCommand: string, mnt: string, commands: string): string {
  return `MNT=${shellQuote(mnt)}
export MNT
mkdir -p "$MNT"
rig_mount() { ${mountCommand}; }
rig_remount() { cd / && umount "$MNT" && rig_mount && cd "$MNT"; }
rig_mount || { echo "dittofs-rig: mount failed" >&2; exit ${MOUNT_FAILED_STATUS}; }
(
cd "$MNT"
set -e
${commands}
)
rc=$?
if ! umount "$MNT"; then
  echo "dittofs-rig: umount failed" >&2
  [ $rc -ne 0 ] || rc=${UMOUNT_FAILED_STATUS}
fi
exit $rc
`;
}

export const NFS_MOUNT_POINT = "/mnt/nfs";
export const CIFS_MOUNT_POINT = "/mnt/cifs";

/** The guest script of `withKernelNfs`, e.g. for `GuestSession.run`. */
export function nfsScript(t: KernelNfsTarget, commands: string, mnt = NFS_MOUNT_POINT): string {
  return mountedScript(nfsMountCommand(t, mnt), mnt, commands);
}

/** The guest script of `withKernelCifs`, e.g. for `GuestSession.run`. */
export function cifsScript(t: KernelCifsTarget, commands: string, mnt = CIFS_MOUNT_POINT): string {
  return mountedScript(cifsMountCommand(t, mnt), mnt, commands);
}

/** Boots a guest, mounts the NFS export (v3 unless `t.vers`) at /mnt/nfs, runs `commands`, unmounts. */
export function withKernelNfs(
  t: KernelNfsTarget,
  commands: string,
  opts?: GuestOptions,
): Promise<GuestResult> {
  return runInGuest(nfsScript(t, commands), opts);
}

/** Boots a guest, mounts the SMB share at /mnt/cifs, runs `commands` there, unmounts. */
export function withKernelCifs(
  t: KernelCifsTarget,
  commands: string,
  opts?: GuestOptions,
): Promise<GuestResult> {
  return runInGuest(cifsScript(t, commands), opts);
}

/** Files on the 9p share (shareDir on the host) of the restart handshake below. */
export const RESTART_ASK_FILE = "restart-please";
export const RESTART_DONE_FILE = "restarted";

/**
 * Guest commands (inside a mounted script's `commands`) that hand a server restart to the host:
 * unmount, write /share/restart-please, wait up to 120 s for /share/restarted (the host restarts
 * the server on the same port, then writes it), mount again and go back into the mount point.
 */
export const RESTART_HANDSHAKE = `
cd /
umount "$MNT"
echo restart > /share/${RESTART_ASK_FILE}
i=0
while [ ! -e /share/${RESTART_DONE_FILE} ]; do
  sleep 0.2
  i=$((i + 1))
  [ $i -lt 600 ] || { echo "server never came back"; exit 1; }
done
rig_mount
cd "$MNT"
`;

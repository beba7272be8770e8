/**
 * The real-client rig's test body, reusable against any server: NFS-Ganesha and Samba prove the
 * rig (e2e/real/rig.test.ts); the NFS and SMB suites run the same functions against DittoFS.
 *
 * In one guest boot: mount with the kernel client; write a small file and read it back; mkdir,
 * rename, list, remove; then the 64 MiB round trip — random bytes made on the host (shared over
 * 9p, copied to the guest's tmpfs first so 9p is not timed) are copied onto the mount, the
 * mount is dropped and mounted again so the read comes from the server and not the page cache,
 * and the data is read back and its MD5 compared with the host's. Timings come from the guest's
 * /proc/uptime (10 ms resolution). A failure throws with the guest's output.
 */
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type GuestOptions, type GuestResult, runInGuest } from "./guest.ts";
import type { GuestSession } from "./guest-session.ts";
import { cifsScript, type KernelCifsTarget, type KernelNfsTarget, nfsScript } from "./mount.ts";

export interface NfsServerTarget {
  nfsPort: number;
  mountPort: number;
  exportPath: string;
  /** NFS version to mount (KernelNfsTarget.vers); default "3". */
  vers?: KernelNfsTarget["vers"];
}

export interface SmbServerTarget {
  smbPort: number;
  share: string;
  user: string;
  password: string;
  /** SMB dialect for the kernel client; default "3.0". */
  vers?: string;
}

export interface RigReport {
  /** qemu start to script start. */
  bootMs: number;
  /** Copy of the data onto the mount, through close and sync. */
  writeMs: number;
  /** Read of the data after a remount (from the server). */
  readMs: number;
  roundTripMs: number;
  bytes: number;
  output: string;
}

export interface RigBodyOptions {
  /** Size of the round-trip file; default 64 MiB. */
  bytes?: number;
  guest?: GuestOptions;
  /**
   * Guest commands run in the mount after the body, in the same boot (under `set -e`, $MNT set;
   * `rig_remount` available) — extra checks without paying for another guest boot.
   */
  afterCommands?: string;
  /**
   * Run in this guest session (started with a `shareDir`) instead of booting a guest; `bootMs`
   * is then the session's boot. Several bodies can share one boot.
   */
  session?: GuestSession;
}

const DEFAULT_BYTES = 64 * 1024 * 1024;

/** Guest commands of the body; runs in $MNT under `set -e`. Prints `RIG key=value` lines. */
export function rigBodyCommands(token: string, bytes: number, md5: string, dataPath = "/share/data"): string {
  return `ms() { read up _ < /proc/uptime; echo $(( \${up%.*} * 1000 + 10\${up#*.} % 1000 * 10 )); }
echo ${token} > small.txt
[ "$(cat small.txt)" = ${token} ] || { echo "small file read back wrong: $(cat small.txt)"; exit 1; }
mkdir rigdir
mv small.txt rigdir/moved.txt
[ -f rigdir/moved.txt ] && [ ! -e small.txt ]
[ "$(ls rigdir)" = moved.txt ]
rm rigdir/moved.txt
rmdir rigdir
cp ${dataPath} /tmp/data
[ "$(stat -c %s /tmp/data)" = ${bytes} ]
t0=$(ms)
cp /tmp/data big.bin
sync
t1=$(ms)
rm /tmp/data
rig_remount
t2=$(ms)
cat big.bin > /dev/null
t3=$(ms)
sum=$(md5sum big.bin)
sum=\${sum%% *}
[ "$sum" = ${md5} ] || { echo "round trip MD5 mismatch: got $sum want ${md5}"; exit 1; }
[ "$(stat -c %s big.bin)" = ${bytes} ]
rm big.bin
echo "RIG write_ms=$((t1 - t0)) read_ms=$((t3 - t2))"
`;
}

function parseReport(r: GuestResult, bytes: number): RigReport {
  const m = /^RIG write_ms=(\d+) read_ms=(\d+)$/m.exec(r.output);
  if (r.exitCode !== 0 || m === null) {
    throw new Error(
      `rig body failed (status ${r.exitCode}):\n${r.output}\n--- console ---\n${r.console.slice(-3000)}`,
    );
  }
  const writeMs = Number(m[1]);
  const readMs = Number(m[2]);
  return { bootMs: r.bootMs, writeMs, readMs, roundTripMs: writeMs + readMs, bytes, output: r.output };
}

/**
 * Makes the round-trip data in the share (a fresh temp dir, or the session's share), runs the
 * body's script in a new guest or in the session, and removes the data again.
 */
export async function runBody(
  label: string,
  scriptFor: (commands: string) => string,
  o: RigBodyOptions,
): Promise<RigReport> {
  const bytes = o.bytes ?? DEFAULT_BYTES;
  const session = o.session;
  if (session !== undefined && session.shareDir === undefined) {
    throw new Error("the rig body needs a guest session started with a shareDir (for its data)");
  }
  const dataDir = session?.shareDir ?? mkdtempSync(join(tmpdir(), "dittofs-rig-data-"));
  const name = `rig-data-${randomBytes(6).toString("hex")}`;
  try {
    if (session === undefined) chmodSync(dataDir, 0o755);
    const data = randomBytes(bytes);
    writeFileSync(join(dataDir, name), data);
    const md5 = createHash("md5").update(data).digest("hex");
    const token = `${label}-${randomBytes(8).toString("hex")}`;
    const script = scriptFor(
      `${rigBodyCommands(token, bytes, md5, `/share/${name}`)}\n${o.afterCommands ?? ""}`,
    );
    if (session === undefined)
      return parseReport(await runInGuest(script, { ...o.guest, shareDir: dataDir }), bytes);
    const r = await session.run(script, { timeoutMs: o.guest?.timeoutMs });
    return parseReport(
      { output: r.output, exitCode: r.exitCode, bootMs: session.bootMs, console: "" },
      bytes,
    );
  } finally {
    rmSync(session === undefined ? dataDir : join(dataDir, name), { recursive: true, force: true });
  }
}

/** Runs the body over the kernel NFSv3 client against `server`. */
export function nfsRigBody(server: NfsServerTarget, o: RigBodyOptions = {}): Promise<RigReport> {
  const target: KernelNfsTarget = {
    port: server.nfsPort,
    mountPort: server.mountPort,
    exportPath: server.exportPath,
    vers: server.vers,
  };
  return runBody("nfs", (commands) => nfsScript(target, commands), o);
}

/** Runs the body over the kernel CIFS client against `server`. */
export function cifsRigBody(server: SmbServerTarget, o: RigBodyOptions = {}): Promise<RigReport> {
  const target: KernelCifsTarget = {
    port: server.smbPort,
    share: server.share,
    vers: server.vers ?? "3.0",
    username: server.user,
    password: server.password,
  };
  return runBody("cifs", (commands) => cifsScript(target, commands), o);
}

/** One line for the test log: boot and round-trip times with throughput. */
export function formatRigReport(label: string, r: RigReport): string {
  const mib = r.bytes / (1024 * 1024);
  const rate = (ms: number) => (ms > 0 ? `${((mib * 1000) / ms).toFixed(1)} MiB/s` : "n/a");
  return `${label}: boot ${r.bootMs} ms; ${mib} MiB round trip ${r.roundTripMs} ms (write ${r.writeMs} ms ${rate(r.writeMs)}, read ${r.readMs} ms ${rate(r.readMs)})`;
}

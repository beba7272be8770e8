/**
 * NFS-Ganesha 4.3 as a peer on 127.0.0.1: one export (VFS FSAL over a host directory, or the MEM
 * FSAL) on two free ports (NFS and MOUNT), NFSv3 and v4 over TCP, no NLM/RQUOTA/UDP.
 *
 * Ganesha refuses to start unless it can register with a portmapper, and the host's port 111 is
 * not ours to take. So each peer runs in its own mount namespace where /run and Ganesha's
 * recovery dir are private temp dirs, and starts a private `rpcbind -f` there inside `unshare -n`
 * (its own loopback, nothing on the host's port 111). Ganesha registers through the filesystem
 * socket /run/rpcbind.sock, which is not network-namespaced; clients name both ports and never
 * ask a portmapper. Several peers can run at once (each has its own /run).
 *
 * Caveats: the MEM FSAL keeps only `Inode_Size` bytes per file (2 MiB max here) and reads past
 * that return 'a' bytes — a protocol-overhead peer, not storage; use VFS for data comparisons.
 * `NFSv4 { Graceless = true; Only_Numeric_Owners = true; }` avoids 90 s of NFS4ERR_GRACE after each start.
 *
 *   const g = await startGanesha({ fsal: "VFS", exportPath: dir });
 *   // nfs://127.0.0.1${g.exportPath}?version=3&nfsport=${g.nfsPort}&mountport=${g.mountPort}
 *   await g.stop();
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./ports.ts";
import { exited, logTail, pidAlive, stopPid, track, untrack, waitForPorts } from "./process.ts";

export interface GaneshaOptions {
  fsal: "VFS" | "MEM";
  /** VFS: the host directory to export (also its NFS path). MEM: the NFS path, e.g. "/mem". */
  exportPath: string;
  /** Ganesha log level (-N), default NIV_EVENT. */
  logLevel?: string;
  /** How long to wait for the ports, default 30 s. */
  startTimeoutMs?: number;
}

export interface GaneshaPeer {
  nfsPort: number;
  mountPort: number;
  /** The path clients mount (MOUNT3 dirpath / NFSv4 pseudo path). */
  exportPath: string;
  /** ganesha.nfsd's PID. */
  pid: number;
  /** Temp dir with ganesha.conf, ganesha.log, the private /run. */
  dir: string;
  logPath: string;
  stop(): Promise<void>;
}

const MEM_INODE_SIZE_BYTES = 2 * 1024 * 1024;
const RECOVERY_DIR = "/var/lib/nfs/ganesha";
const STDERR_MAX_CHARS = 64 * 1024;

function config(o: GaneshaOptions, nfsPort: number, mountPort: number): string {
  const fsal = o.fsal === "MEM" ? "FSAL { Name = MEM; }" : "FSAL { Name = VFS; }";
  const mem = o.fsal === "MEM" ? `MEM { Inode_Size = ${MEM_INODE_SIZE_BYTES}; }\n` : "";
  return `NFS_CORE_PARAM {
  Bind_addr = 127.0.0.1;
  NFS_Port = ${nfsPort};
  MNT_Port = ${mountPort};
  Protocols = 3, 4;
  Enable_UDP = false;
  Enable_NLM = false;
  Enable_RQUOTA = false;
  mount_path_pseudo = true;
}
NFSv4 { Graceless = true; Only_Numeric_Owners = true; }
NFS_KRB5 { Active_krb5 = false; }
${mem}EXPORT_DEFAULTS {
  Access_Type = RW;
  Squash = No_Root_Squash;
  SecType = sys;
  Transports = TCP;
}
EXPORT {
  Export_Id = 1;
  Path = ${JSON.stringify(o.exportPath)};
  Pseudo = ${JSON.stringify(o.exportPath)};
  Protocols = 3, 4;
  ${fsal}
}
`;
}

/**
 * The namespace wrapper (sh, run by `unshare -m`): private /run and recovery dir, a private
 * rpcbind in its own network namespace, then exec Ganesha so its PID is the one we spawned.
 */
function wrapper(dir: string, confPath: string, logPath: string, level: string): string {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  return `set -e
mount --bind ${q(join(dir, "run"))} /run
mount --bind ${q(join(dir, "recovery"))} ${RECOVERY_DIR}
mkdir -p /run/ganesha /run/rpcbind
unshare -n rpcbind -f &
echo $! > ${q(join(dir, "rpcbind.pid"))}
i=0
while [ ! -S /run/rpcbind.sock ]; do
  i=$((i + 1)); [ $i -le 200 ] || { echo "rpcbind did not start" >&2; exit 97; }
  sleep 0.05
done
exec ganesha.nfsd -F -f ${q(confPath)} -L ${q(logPath)} -p /run/ganesha/ganesha.pid -N ${level}
`;
}

export async function startGanesha(o: GaneshaOptions): Promise<GaneshaPeer> {
  if (o.fsal === "VFS" && !existsSync(o.exportPath))
    throw new Error(`export dir ${o.exportPath} does not exist`);
  if (process.getuid?.() !== 0) throw new Error("startGanesha needs root (mount namespace, rpcbind)");
  const dir = mkdtempSync(join(tmpdir(), "dittofs-ganesha-"));
  mkdirSync(join(dir, "run"));
  mkdirSync(join(dir, "recovery"));
  mkdirSync(RECOVERY_DIR, { recursive: true });
  const nfsPort = await freePort();
  let mountPort = await freePort();
  while (mountPort === nfsPort) mountPort = await freePort();
  const confPath = join(dir, "ganesha.conf");
  const logPath = join(dir, "ganesha.log");
  writeFileSync(confPath, config(o, nfsPort, mountPort));
  const script = wrapper(dir, confPath, logPath, o.logLevel ?? "NIV_EVENT");
  const child = spawn("unshare", ["-m", "--propagation", "private", "sh", "-c", script], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  if (child.pid !== undefined) track(child.pid, { group: false, dir });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (s: string) => {
    if (stderr.length < STDERR_MAX_CHARS) stderr += s;
  });
  const rpcbindPid = (): number | null => {
    try {
      return Number(readFileSync(join(dir, "rpcbind.pid"), "utf8").trim()) || null;
    } catch {
      return null;
    }
  };
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (child.pid !== undefined) await stopPid(child.pid, { graceMs: 10_000 });
    await exited(child);
    if (child.pid !== undefined) untrack(child.pid);
    const rpcbind = rpcbindPid();
    if (rpcbind !== null && pidAlive(rpcbind)) await stopPid(rpcbind);
    if (rpcbind !== null) untrack(rpcbind);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const log = () => `${stderr}\n${logTail(logPath)}`;
    await waitForPorts([nfsPort, mountPort], child, "ganesha.nfsd", log, o.startTimeoutMs);
    const rpcbind = rpcbindPid();
    if (rpcbind !== null) track(rpcbind);
  } catch (e) {
    await stop();
    throw e;
  }
  return { nfsPort, mountPort, exportPath: o.exportPath, pid: child.pid as number, dir, logPath, stop };
}

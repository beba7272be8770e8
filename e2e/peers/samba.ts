/**
 * Samba 4.17 `smbd` as a peer on 127.0.0.1: a standalone server on a free port with one share,
 * everything (config, passdb, locks, state, cache, pid, logs) under a temp dir, SMB2_02 and up.
 *
 * The user needs a Unix account: it is created with `useradd --system` if missing (left in place
 * afterwards, it is harmless and other runs reuse it) and added to the private passdb with
 * `smbpasswd -s -a`. smbd works on the share as that user, so the share dir is chowned to it.
 * smbd is started in its own session (`detached`): on SIGTERM it signals its whole process
 * group, which must not be ours; `stop()` signals that group by PID. A failing tree connect is
 * explained in the per-client log (`log.<ip>` in `dir`), not on the wire.
 *
 *   const s = await startSamba({ user: "ditto", password: "pw" });
 *   // smbclient //127.0.0.1/share -p ${s.port} -U ditto%pw
 *   await s.stop();
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./ports.ts";
import { exited, logTail, stopPid, track, untrack, waitForPorts } from "./process.ts";

export interface SambaOptions {
  /** Directory to share; default a fresh dir under the peer's temp dir. Chowned to `user`. */
  sharePath?: string;
  /** Share name; default "share". */
  share?: string;
  user: string;
  password: string;
  /** Extra lines for the [global] section (e.g. "server signing = mandatory"). */
  globalOptions?: string[];
  /** Extra lines for the share section. */
  shareOptions?: string[];
  startTimeoutMs?: number;
}

export interface SambaPeer {
  port: number;
  share: string;
  sharePath: string;
  user: string;
  password: string;
  /** smbd's PID (also its process group). */
  pid: number;
  /** Temp dir with smb.conf and the logs. */
  dir: string;
  confPath: string;
  stop(): Promise<void>;
}

const USER_NAME_RE = /^[a-z_][a-z0-9_-]{0,30}$/;
/** useradd's status when the account exists (another run may have created it just now). */
const USERADD_EXISTS = 9;
/** useradd's status when it cannot lock /etc/passwd (a concurrent useradd). */
const USERADD_LOCKED = 10;
const USERADD_ATTEMPTS_MAX = 20;
const STDERR_MAX_CHARS = 64 * 1024;

function ensureUnixUser(user: string): { uid: number; gid: number } {
  if (!USER_NAME_RE.test(user)) throw new Error(`invalid Unix user name ${JSON.stringify(user)}`);
  const id = (flag: string) => spawnSync("id", [flag, user], { encoding: "utf8" });
  for (let attempt = 1; id("-u").status !== 0; attempt++) {
    const r = spawnSync("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", user], {
      encoding: "utf8",
    });
    if (r.status === 0 || r.status === USERADD_EXISTS) break;
    // Another run holding /etc/passwd's lock: wait a little and try again.
    if (r.status === USERADD_LOCKED && attempt < USERADD_ATTEMPTS_MAX) {
      spawnSync("sleep", ["0.2"]);
      continue;
    }
    throw new Error(`useradd ${user} failed (${r.status}): ${r.stderr}`);
  }
  return { uid: Number(id("-u").stdout.trim()), gid: Number(id("-g").stdout.trim()) };
}

function config(dir: string, port: number, o: SambaOptions, share: string, sharePath: string): string {
  const d = (name: string) => join(dir, name);
  return `[global]
  server role = standalone server
  interfaces = 127.0.0.1
  bind interfaces only = yes
  smb ports = ${port}
  disable netbios = yes
  server min protocol = SMB2_02
  private dir = ${d("private")}
  lock directory = ${d("lock")}
  state directory = ${d("state")}
  cache directory = ${d("cache")}
  pid directory = ${d("pid")}
  ncalrpc dir = ${d("ncalrpc")}
  binddns dir = ${d("binddns")}
  usershare path =
  passdb backend = tdbsam:${d("private")}/passdb.tdb
  log file = ${d("log")}.%m
  max log size = 0
  log level = 1
  load printers = no
  printcap name = /dev/null
  disable spoolss = yes
  map to guest = never
${(o.globalOptions ?? []).map((l) => `  ${l}`).join("\n")}
[${share}]
  path = ${sharePath}
  read only = no
  vfs objects = streams_xattr
${(o.shareOptions ?? []).map((l) => `  ${l}`).join("\n")}
`;
}

/**
 * smbd starts samba-dcerpcd on demand (share enumeration, smbtorture's RPC tests) in a session of
 * its own, so stopping smbd's group leaves it running. Its PID file is in our pid directory;
 * the command line naming our smb.conf guards against a reused PID.
 */
function helperPids(dir: string, confPath: string): number[] {
  const pids: number[] = [];
  let files: string[] = [];
  try {
    files = readdirSync(join(dir, "pid"));
  } catch {
    return pids;
  }
  for (const f of files) {
    if (!f.endsWith(".pid") || f === "smbd.pid") continue;
    const pid = Number(readFileSync(join(dir, "pid", f), "utf8").trim());
    if (!Number.isInteger(pid) || pid <= 0) continue;
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(confPath)) pids.push(pid);
    } catch {
      // gone already
    }
  }
  return pids;
}

function killHelpersNow(dir: string, confPath: string): void {
  for (const pid of helperPids(dir, confPath)) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // gone already
    }
  }
}

export async function startSamba(o: SambaOptions): Promise<SambaPeer> {
  if (process.getuid?.() !== 0) throw new Error("startSamba needs root (useradd, smbd)");
  const { uid, gid } = ensureUnixUser(o.user);
  const dir = mkdtempSync(join(tmpdir(), "dittofs-samba-"));
  chmodSync(dir, 0o755); // smbd works as the user inside the share
  for (const sub of ["private", "lock", "state", "cache", "pid", "ncalrpc", "binddns"])
    mkdirSync(join(dir, sub));
  const share = o.share ?? "share";
  const sharePath = o.sharePath ?? join(dir, "share");
  mkdirSync(sharePath, { recursive: true });
  chownSync(sharePath, uid, gid);
  const port = await freePort();
  const confPath = join(dir, "smb.conf");
  writeFileSync(confPath, config(dir, port, o, share, sharePath));
  execFileSync("smbpasswd", ["-c", confPath, "-s", "-a", o.user], {
    input: `${o.password}\n${o.password}\n`,
    stdio: ["pipe", "ignore", "pipe"],
  });
  const child = spawn("smbd", ["--foreground", "--no-process-group", "-s", confPath], {
    detached: true,
    stdio: ["ignore", "ignore", "pipe"],
  });
  if (child.pid !== undefined)
    track(child.pid, { group: true, dir, cleanup: () => killHelpersNow(dir, confPath) });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (s: string) => {
    if (stderr.length < STDERR_MAX_CHARS) stderr += s;
  });
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (child.pid !== undefined) await stopPid(child.pid, { group: true });
    await exited(child);
    for (const pid of helperPids(dir, confPath)) await stopPid(pid, { group: true });
    if (child.pid !== undefined) untrack(child.pid);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPorts(
      [port],
      child,
      "smbd",
      () => `${stderr}\n${logTail(join(dir, "log.smbd"))}`,
      o.startTimeoutMs,
    );
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    port,
    share,
    sharePath,
    user: o.user,
    password: o.password,
    pid: child.pid as number,
    dir,
    confPath,
    stop,
  };
}

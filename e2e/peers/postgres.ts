/**
 * A private PostgreSQL cluster for tests and benchmarks: its own data dir under a temp folder,
 * a free port on 127.0.0.1, a Unix socket in the same temp folder. PostgreSQL refuses to run as
 * root, so as root the cluster runs as the `postgres` user. Stopped by `stop()` (pg_ctl -m fast);
 * killed at exit if the process ends without stopping it.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./ports.ts";
import { track, untrack } from "./process.ts";

export interface PostgresPeer {
  url: string;
  port: number;
  dir: string;
  stop(): Promise<void>;
}

function pgBinDir(): string {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) throw new Error("PostgreSQL is not installed (apt-get install postgresql)");
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  const v = versions[0];
  if (v === undefined) throw new Error(`no PostgreSQL version under ${root}`);
  return join(root, v, "bin");
}

function runAs(user: string | null, cmd: string, args: string[]): string {
  if (user === null) return execFileSync(cmd, args, { encoding: "utf8" });
  return execFileSync("runuser", ["-u", user, "--", cmd, ...args], { encoding: "utf8" });
}

export async function startPostgres(): Promise<PostgresPeer> {
  const bin = pgBinDir();
  const dir = mkdtempSync(join(tmpdir(), "dittofs-pg-"));
  const user = process.getuid?.() === 0 ? "postgres" : null;
  if (user !== null) {
    const uid = Number(execFileSync("id", ["-u", user], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", user], { encoding: "utf8" }).trim());
    chownSync(dir, uid, gid);
    chmodSync(dir, 0o700);
  }
  const data = join(dir, "data");
  runAs(user, join(bin, "initdb"), ["-D", data, "-U", "dittofs", "--auth=trust", "-E", "UTF8", "--no-sync"]);
  const port = await freePort();
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  runAs(user, join(bin, "pg_ctl"), ["-D", data, "-o", opts, "-l", join(dir, "log"), "-w", "start"]);
  runAs(user, join(bin, "createdb"), ["-h", "127.0.0.1", "-p", String(port), "-U", "dittofs", "dittofs"]);
  const url = `postgres://dittofs@127.0.0.1:${port}/dittofs`;
  // pg_ctl daemonizes the postmaster: track it by the PID it records, so a crashed run kills it.
  const postmasterPid = Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]);
  if (Number.isInteger(postmasterPid) && postmasterPid > 0) track(postmasterPid, { group: false, dir });
  return {
    url,
    port,
    dir,
    async stop() {
      try {
        runAs(user, join(bin, "pg_ctl"), ["-D", data, "-m", "fast", "-w", "stop"]);
      } finally {
        untrack(postmasterPid);
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Creates a fresh database on the peer and returns its URL, so each test file gets its own. */
export async function createDatabase(peerUrl: string, name: string): Promise<string> {
  const pg = await import("pg");
  const client = new pg.default.Client({ connectionString: peerUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name.replace(/"/g, "")}"`);
  } finally {
    await client.end();
  }
  const u = new URL(peerUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

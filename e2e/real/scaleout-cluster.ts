/**
 * Support for the scale-out test and benchmark: DittoFS daemons as child processes
 * (scaleout-daemon.ts), each with its own data dir, control-plane SQLite, cache and WAL, all
 * declaring the same share on one PostgreSQL metadata store and one S3 (s3rver) bucket.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { S3rverPeer } from "../peers/s3rver.ts";

export const SHARED_SHARE = "/shared";
const READY_PREFIX = "SCALEOUT_READY ";
const START_TIMEOUT_MS = 60_000;
const LOG_MAX_CHARS = 64 * 1024;

export interface ClusterStores {
  postgresUrl: string;
  s3: S3rverPeer;
  bucket: string;
  /** Config `scaleout` for every member (tests shorten the block GC grace period). */
  scaleout?: { attrCacheMs?: number; gcGraceMs?: number; gcIntervalMs?: number };
}

export interface DaemonProcess {
  name: string;
  nfsPort: number;
  smbPort: number;
  httpUrl: string;
  dataDir: string;
  child: ChildProcess;
  log(): string;
  /** SIGKILL, no flush: what the WAL and S3 hold is all that is left. */
  kill(): Promise<void>;
  /** SIGTERM (graceful stop), SIGKILL after a grace period; removes the data dir. */
  stop(): Promise<void>;
}

/** The daemon config shared by every member: same stores and share, own data dir. */
export function memberConfig(stores: ClusterStores, dataDir: string): Record<string, unknown> {
  return {
    dataDir,
    logging: { level: "warn" },
    cache: { size: "128MiB" },
    ...(stores.scaleout === undefined ? {} : { scaleout: stores.scaleout }),
    stores: {
      metadata: [{ name: "pg", type: "postgres", url: stores.postgresUrl }],
      block: [
        {
          name: "s3",
          type: "s3",
          bucket: stores.bucket,
          endpoint: stores.s3.endpoint,
          region: stores.s3.region,
          accessKeyId: stores.s3.accessKeyId,
          secretAccessKey: stores.s3.secretAccessKey,
          forcePathStyle: true,
        },
      ],
    },
    shares: [{ name: SHARED_SHARE, metadataStore: "pg", blockStore: "s3", squash: "none" }],
  };
}

/** tsx's loader, so the daemon is this node process itself (tsx's CLI would fork a grandchild
 * that a SIGKILL of the CLI leaves running). */
function tsxLoader(): string {
  const require = createRequire(import.meta.url);
  return pathToFileURL(join(dirname(require.resolve("tsx/package.json")), "dist", "loader.mjs")).href;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

export async function startMember(name: string, stores: ClusterStores): Promise<DaemonProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), `dittofs-scaleout-${name}-`));
  const script = join(dirname(fileURLToPath(import.meta.url)), "scaleout-daemon.ts");
  const child = spawn(process.execPath, ["--import", tsxLoader(), script], {
    env: { ...process.env, SCALEOUT_CONFIG: JSON.stringify(memberConfig(stores, dataDir)) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stderr?.setEncoding("utf8").on("data", (s: string) => {
    if (err.length < LOG_MAX_CHARS) err += s;
  });
  const ready = new Promise<{ http: string; nfs: number; smb: number }>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name}: not ready in ${START_TIMEOUT_MS} ms:\n${err}`)),
      START_TIMEOUT_MS,
    );
    child.stdout?.setEncoding("utf8").on("data", (s: string) => {
      out += s;
      const line = out.split("\n").find((l) => l.startsWith(READY_PREFIX));
      if (line === undefined) return;
      clearTimeout(timer);
      resolve(JSON.parse(line.slice(READY_PREFIX.length)) as { http: string; nfs: number; smb: number });
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code ?? signal}) while starting:\n${err}`));
    });
  });
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited(child);
  };
  let info: { http: string; nfs: number; smb: number };
  try {
    info = await ready;
  } catch (e) {
    await kill();
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
  return {
    name,
    nfsPort: info.nfs,
    smbPort: info.smb,
    httpUrl: info.http,
    dataDir,
    child,
    log: () => err,
    kill,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited(child);
        clearTimeout(timer);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The password of the `admin` user every member creates at its first start. */
export const ADMIN_PASSWORD = "scaleout-admin-password";

/** A libnfs URL for a path in the shared share on one member. */
export function nfsUrl(port: number, path: string): string {
  return `nfs://127.0.0.1${SHARED_SHARE}${path}?version=3&nfsport=${port}&mountport=${port}`;
}

/**
 * A daemon process for the hostile-client benches (bench/hostile-daemon.ts prints its ports as one
 * JSON line): started from a source tree, stopped with SIGTERM; its RSS read from /proc.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { DAEMON_ENV, DAEMON_NODE_FLAGS } from "../apps/daemon/bin/pinned-runtime.mjs";

export interface DaemonProcess {
  pid: number;
  nfs: number;
  smb: number;
  /** The HTTP API's base URL (/metrics). */
  http: string;
  stop(): Promise<void>;
}

/** `args` go to hostile-daemon.ts (e.g. --tree DIR, --budget 256MiB). */
export async function startDaemonProcess(args: string[] = []): Promise<DaemonProcess> {
  const script = resolve(import.meta.dirname, "hostile-daemon.ts");
  // The V8 flags and environment `dfs` runs with, so the RSS measured is the installed daemon's.
  const child = spawn(process.execPath, [...DAEMON_NODE_FLAGS, "--import", "tsx", script, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...DAEMON_ENV, ...process.env },
  });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const ports = await new Promise<{ nfs: number; smb: number; http: string }>((res, rej) => {
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("\n")) res(JSON.parse(out.split("\n")[0]!));
    });
    child.once("exit", (code) => rej(new Error(`daemon exited ${code}`)));
  });
  const stop = async () => {
    child.kill("SIGTERM");
    await exited;
  };
  return { pid: child.pid!, ...ports, stop };
}

/** The process's resident set; 0 once it is gone. */
export function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

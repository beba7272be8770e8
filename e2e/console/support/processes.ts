/**
 * Child processes for the console suite: spawned in their own process group with output going to
 * a log file, stopped with SIGTERM by PID (then SIGKILL after a grace period).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";

/** How long a service may take to answer its first request. */
export const SERVICE_START_TIMEOUT_MS = 60_000;
/** How long a stopped service may take to exit before it is killed. */
const STOP_GRACE_MS = 5_000;

export interface Service {
  name: string;
  child: ChildProcess;
  log: string;
  stop(): Promise<void>;
}

export function startService(
  name: string,
  cmd: string,
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; log: string },
): Service {
  const fd = openSync(opts.log, "a");
  const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ["ignore", fd, fd], detached: true });
  closeSync(fd);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    name,
    child,
    log: opts.log,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      signalGroup(child, "SIGTERM");
      const timer = setTimeout(() => signalGroup(child, "SIGKILL"), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The service was started `detached`, so its PID is its process group: children go too. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

export function logTail(service: Service, lines = 40): string {
  try {
    return readFileSync(service.log, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/** Polls `url` until it answers with `okStatus` (any status below 500 when omitted). */
export async function waitForHttp(service: Service, url: string, okStatus?: number): Promise<void> {
  const deadline = Date.now() + SERVICE_START_TIMEOUT_MS;
  let last = "";
  while (Date.now() < deadline) {
    if (service.child.exitCode !== null) {
      throw new Error(`${service.name} exited with ${service.child.exitCode}:\n${logTail(service)}`);
    }
    try {
      const res = await fetch(url, { redirect: "manual" });
      if (okStatus === undefined ? res.status < 500 : res.status === okStatus) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(
    `${service.name} did not answer ${url} within ${SERVICE_START_TIMEOUT_MS} ms (${last}):\n${logTail(service)}`,
  );
}

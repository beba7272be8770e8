/**
 * Process plumbing shared by the peers: wait for a TCP port on 127.0.0.1 while watching the
 * child (a peer that dies during start fails fast with its log), and stop by PID — SIGTERM, a
 * grace period, then SIGKILL — never by process name.
 */
import type { ChildProcess } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { pidAlive } from "../../apps/daemon/src/domain/pid.ts";

export { pidAlive };

const POLL_MS = 50;
const LOG_TAIL_CHARS = 3000;

export function logTail(path: string): string {
  try {
    return readFileSync(path, "utf8").slice(-LOG_TAIL_CHARS);
  } catch {
    return "(no log)";
  }
}

function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: "127.0.0.1", port });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

/** Resolves when every port accepts connections; rejects if `child` exits first or on timeout. */
export async function waitForPorts(
  ports: number[],
  child: ChildProcess,
  what: string,
  log: () => string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const port of ports) {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}) while starting:\n${log()}`);
      }
      if (await tcpOpen(port)) break;
      if (Date.now() > deadline)
        throw new Error(`${what} did not listen on ${port} in ${timeoutMs} ms:\n${log()}`);
      await sleep(POLL_MS);
    }
  }
}

function signal(target: number, sig: NodeJS.Signals): void {
  try {
    process.kill(target, sig);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ESRCH") throw e;
  }
}

/**
 * Stops a process by PID: SIGTERM, wait up to `graceMs`, then SIGKILL. With `group`, the
 * signals go to the process group the PID leads (for servers started with `detached: true` that
 * fork workers, like smbd). Returns once the PID is gone.
 */
export async function stopPid(pid: number, opts: { group?: boolean; graceMs?: number } = {}): Promise<void> {
  const target = opts.group === true ? -pid : pid;
  signal(target, "SIGTERM");
  const deadline = Date.now() + (opts.graceMs ?? 5000);
  while (pidAlive(pid) && Date.now() < deadline) await sleep(POLL_MS);
  if (pidAlive(pid) || opts.group === true) signal(target, "SIGKILL");
  const killDeadline = Date.now() + 5000;
  while (pidAlive(pid) && Date.now() < killDeadline) await sleep(POLL_MS);
}

interface Tracked {
  group: boolean;
  /** Temp dir removed after the kill. */
  dir?: string;
  /** Synchronous extra cleanup at exit (e.g. helpers the server started in their own session). */
  cleanup?: () => void;
}

const tracked = new Map<number, Tracked>();
let exitHookInstalled = false;

function killTracked(): void {
  for (const [pid, t] of tracked) {
    try {
      process.kill(t.group ? -pid : pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  for (const t of tracked.values()) {
    try {
      t.cleanup?.();
    } catch {
      // best effort while exiting
    }
    if (t.dir !== undefined) rmSync(t.dir, { recursive: true, force: true, maxRetries: 3 });
  }
}

/**
 * Remembers a started server so it is SIGKILLed (and its temp dir removed) if this process exits
 * without stopping it: a crashed test run must not leave Ganesha, smbd or qemu behind. `untrack`
 * it in `stop()`. Only the PIDs we started are touched.
 */
export function track(pid: number, opts: Tracked = { group: false }): void {
  tracked.set(pid, opts);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", killTracked);
}

export function untrack(pid: number): void {
  tracked.delete(pid);
}

/** Waits for a child we spawned to exit (it is reaped by Node, so `pidAlive` alone would do). */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/**
 * A server under test as its own process, so a test's SIGKILL is real (nfs-kernel-crash,
 * nfs-kernel-v4-restart): `node --import tsx <script> <args>` that prints "PORT <n>" once it
 * serves, with its stderr kept for the test to read.
 */
import { type ChildProcess, spawn } from "node:child_process";

const START_TIMEOUT_MS = 60_000;

export interface DaemonProcess {
  child: ChildProcess;
  port: number;
  /** What it wrote to stderr so far (its log). */
  log: () => string;
}

export function startDaemonProcess(script: string, args: string[]): Promise<DaemonProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let log = "";
  child.stderr?.on("data", (d: Buffer) => {
    log += d.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`daemon did not start:\n${log}`)), START_TIMEOUT_MS);
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /^PORT (\d+)$/m.exec(out);
      if (m === null) return;
      clearTimeout(timer);
      resolve({ child, port: Number(m[1]), log: () => log });
    });
    child.once("exit", (code, sig) => {
      clearTimeout(timer);
      reject(new Error(`daemon exited (${code ?? sig}) while starting:\n${log}`));
    });
  });
}

/** Sends `sig` and resolves once the process exited (at once if it already had). */
export function killDaemonProcess(d: DaemonProcess, sig: NodeJS.Signals): Promise<void> {
  if (d.child.exitCode !== null || d.child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    d.child.once("exit", () => resolve());
    d.child.kill(sig);
  });
}

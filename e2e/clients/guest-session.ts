/**
 * A guest that stays up for several scripts: one boot (3–15 s under TCG, depending on the
 * machine's load) shared by many mounts and checks. The boot script is a small driver that
 * reads commands from the second serial port — the same port the output goes out on, in raw
 * mode — so qemu's stdin carries them in:
 *   host → guest   "@@RUN <nonce> <bytes>\n" + script      "@@QUIT\n"
 *   guest → host   script output, then "@@DITTOFS-DONE <nonce> <status>\n"
 * Runs are serialized. Each starts in /tmp with a fresh shell; what a run leaves in the guest
 * (files in /tmp, mounts, loaded modules) is there for the next one. A run past its timeout
 * kills the guest: the session is over and later runs reject.
 *
 *   const g = await startGuest({ shareDir });
 *   const a = await g.run(nfsScript(target, "ls"));
 *   await g.stop();
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { track, untrack } from "../peers/process.ts";
import {
  BOOT_ATTEMPTS_MAX,
  CONSOLE_TAIL_CHARS,
  DEFAULT_TIMEOUT_MS,
  type GuestOptions,
  guestImage,
  OUTPUT_MAX_BYTES,
  qemuArgs,
  readConsole,
} from "./guest.ts";
import { GUEST_READY_MARKER } from "./guest-init.ts";

export interface GuestRunResult {
  output: string;
  exitCode: number;
  /** Wall time of this run, host side. */
  ms: number;
}

export interface GuestSession {
  /** From starting qemu to the driver waiting for its first command. */
  bootMs: number;
  /** Host dir mounted at /share in the guest, if one was given. */
  shareDir: string | undefined;
  /** Runs a script in the guest (busybox sh, cwd /tmp); rejects if the guest dies or times out. */
  run(script: string, opts?: { timeoutMs?: number }): Promise<GuestRunResult>;
  /** Powers the guest off (SIGKILL if it does not within a few seconds). */
  stop(): Promise<void>;
}

const DONE_MARKER = "@@DITTOFS-DONE";
const STOP_GRACE_MS = 10_000;

/** The boot script: a command loop on ttyS1 (already raw, no echo — see guest-init.ts). */
const DRIVER = `exec 4</dev/ttyS1
while read -r tag nonce len <&4; do
  case "$tag" in
  @@RUN)
    head -c "$len" <&4 > /tmp/.run
    (cd /tmp && exec sh /tmp/.run) </dev/null
    echo "${DONE_MARKER} $nonce $?"
    ;;
  @@QUIT) exit 0 ;;
  esac
done
`;

interface Pending {
  nonce: string;
  from: number;
  started: number;
  resolve: (r: GuestRunResult) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

class Session implements GuestSession {
  private out = "";
  private pending: Pending | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private dead: Error | null = null;
  private stopping = false;
  private readonly exited: Promise<void>;

  constructor(
    private readonly qemu: ChildProcessWithoutNullStreams,
    private readonly tmp: string,
    private readonly consolePath: string,
    readonly bootMs: number,
    readonly shareDir: string | undefined,
    initialOutput: string,
  ) {
    this.out = initialOutput;
    // Writing to a guest that just died fails with EPIPE; the close handler reports the death.
    qemu.stdin.on("error", () => undefined);
    qemu.stdout.on("data", (chunk: string) => this.onData(chunk));
    this.exited = new Promise((resolve) => qemu.once("close", () => resolve()));
    qemu.once("close", (code, signal) => {
      if (qemu.pid !== undefined) untrack(qemu.pid);
      this.fail(new Error(`guest exited (code ${code}, signal ${signal})`));
    });
  }

  run(script: string, opts: { timeoutMs?: number } = {}): Promise<GuestRunResult> {
    const next = this.queue.then(() => this.runNow(script, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private runNow(script: string, timeoutMs: number): Promise<GuestRunResult> {
    if (this.dead !== null) return Promise.reject(this.dead);
    const nonce = randomBytes(6).toString("hex");
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.qemu.kill("SIGKILL");
        this.fail(new Error(`guest run timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending = { nonce, from: this.out.length, started: performance.now(), resolve, reject, timer };
      const body = Buffer.from(script);
      this.qemu.stdin.write(`@@RUN ${nonce} ${body.length}\n`);
      this.qemu.stdin.write(body);
      this.onData("");
    });
  }

  private onData(chunk: string): void {
    if (this.out.length < OUTPUT_MAX_BYTES) this.out += chunk.replace(/\r/g, "");
    const p = this.pending;
    if (p === null) return;
    const marker = `${DONE_MARKER} ${p.nonce} `;
    const at = this.out.indexOf(marker, p.from);
    const eol = at < 0 ? -1 : this.out.indexOf("\n", at);
    if (eol < 0) return;
    clearTimeout(p.timer);
    this.pending = null;
    const exitCode = Number(this.out.slice(at + marker.length, eol));
    p.resolve({
      output: this.out.slice(p.from, at),
      exitCode,
      ms: Math.round(performance.now() - p.started),
    });
  }

  private fail(e: Error): void {
    if (this.dead === null) {
      const tail = readConsole(this.consolePath).slice(-CONSOLE_TAIL_CHARS);
      this.dead = new Error(
        `${e.message}\n--- output ---\n${this.out.slice(-4000)}\n--- console (tail) ---\n${tail}`,
      );
    }
    const p = this.pending;
    if (p === null) return;
    clearTimeout(p.timer);
    this.pending = null;
    p.reject(this.dead);
  }

  async stop(): Promise<void> {
    if (this.stopping) return this.exited;
    this.stopping = true;
    await this.queue;
    if (this.dead === null) this.qemu.stdin.write("@@QUIT\n");
    const timer = setTimeout(() => this.qemu.kill("SIGKILL"), STOP_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
    rmSync(this.tmp, { recursive: true, force: true });
  }
}

/** Boots a guest for several runs (see the module comment). `opts.timeoutMs` bounds the boot. */
export async function startGuest(opts: GuestOptions = {}): Promise<GuestSession> {
  const image = await guestImage();
  for (let attempt = 1; ; attempt++) {
    const tmp = mkdtempSync(join(tmpdir(), "dittofs-guest-session-"));
    const scriptPath = join(tmp, "driver.sh");
    const consolePath = join(tmp, "console.log");
    writeFileSync(scriptPath, DRIVER);
    const started = performance.now();
    const qemu = spawn("qemu-system-x86_64", qemuArgs(image, scriptPath, consolePath, opts), {
      stdio: ["pipe", "pipe", "pipe"],
    });
    if (qemu.pid !== undefined) track(qemu.pid, { group: false, dir: tmp });
    try {
      const initial = await waitReady(qemu, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      return new Session(
        qemu,
        tmp,
        consolePath,
        Math.round(performance.now() - started),
        opts.shareDir,
        initial,
      );
    } catch (e) {
      qemu.kill("SIGKILL");
      if (qemu.pid !== undefined) untrack(qemu.pid);
      const consoleText = readConsole(consolePath).slice(-CONSOLE_TAIL_CHARS);
      rmSync(tmp, { recursive: true, force: true });
      const died = (e as Error).message.startsWith("qemu exited");
      if (!died || attempt >= BOOT_ATTEMPTS_MAX) {
        throw new Error(`${(e as Error).message}\n--- console (tail) ---\n${consoleText}`);
      }
      process.stderr.write(`startGuest: guest died while booting, booting again\n${consoleText}\n`);
    }
  }
}

/** Resolves with the output after the ready marker once the driver is up. */
function waitReady(qemu: ChildProcessWithoutNullStreams, timeoutMs: number): Promise<string> {
  qemu.stdout.setEncoding("utf8");
  qemu.stderr.setEncoding("utf8");
  let out = "";
  let err = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`guest did not boot within ${timeoutMs} ms`)), timeoutMs);
    const onData = (chunk: string) => {
      out += chunk.replace(/\r/g, "");
      const at = out.indexOf(`${GUEST_READY_MARKER}\n`);
      if (at >= 0) finish(null, out.slice(at + GUEST_READY_MARKER.length + 1));
    };
    const onErr = (chunk: string) => {
      if (err.length < OUTPUT_MAX_BYTES) err += chunk;
    };
    const onClose = (code: number | null) =>
      finish(new Error(`qemu exited (code ${code}) while booting\n${out}\n${err}`));
    const onError = (e: Error) => finish(new Error(`cannot start qemu-system-x86_64: ${e.message}`));
    function finish(e: Error | null, rest = ""): void {
      clearTimeout(timer);
      qemu.stdout.off("data", onData);
      qemu.off("close", onClose);
      qemu.off("error", onError);
      if (e === null) resolve(rest);
      else reject(e);
    }
    qemu.stdout.on("data", onData);
    qemu.stderr.on("data", onErr);
    qemu.once("close", onClose);
    qemu.once("error", onError);
  });
}

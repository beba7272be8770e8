/**
 * Runs a shell script inside a throwaway Linux guest (Debian's kernel + busybox, see
 * guest-image.ts) under qemu-system-x86_64 with TCG and returns its output and exit status.
 *
 * Why these qemu settings: /dev/kvm on these machines is PVM and cannot run Debian's kernel, so
 * the guest is emulated. `-cpu Westmere` is 25–40% faster under TCG than `-cpu max`; booting the
 * uncompressed vmlinux through its PVH entry skips the kernel's own decompression.
 * Networking is qemu user mode: the guest (10.0.2.15/24, no default route, no DNS) reaches the
 * host's 127.0.0.1 as 10.0.2.2 and nothing else; slirp's DNS forwarder is moved to 10.0.3.3,
 * outside the guest's /24. NLM cannot work through slirp (callbacks into the guest): mount with
 * `nolock`.
 *
 * The script runs as root in /tmp (a tmpfs) with busybox applets; `opts.shareDir` appears at
 * /share over 9p (read-write, for test data). Output is the script's stdout+stderr only; the
 * kernel console is kept in `console` for diagnosis. A guest that does not finish within
 * `timeoutMs` is killed and the promise rejects with the output so far. A guest that dies before
 * the script starts (no side effects yet) is booted once more.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { track, untrack } from "../peers/process.ts";
import { ensureGuestImage, type GuestImage } from "./guest-image.ts";
import {
  GUEST_EXIT_MARKER,
  GUEST_READY_MARKER,
  GUEST_SCRIPT_FW_CFG,
  GUEST_SHARE_FLAG,
} from "./guest-init.ts";

export interface GuestOptions {
  /** Whole run (boot + script + power-off); default 120 s. */
  timeoutMs?: number;
  /** vCPUs; default 2 (one guest with -smp 2 at a time suits a 2-core machine). */
  smp?: number;
  /** Guest RAM; default 1024 MiB. */
  memMiB?: number;
  /** A host directory shared read-write at /share in the guest (9p). */
  shareDir?: string;
  /** Extra kernel command-line arguments (e.g. "sunrpc.tcp_slot_table_entries=16"). */
  kernelArgs?: string[];
}

export interface GuestResult {
  /** Everything the script wrote to stdout and stderr. */
  output: string;
  exitCode: number;
  /** From starting qemu to the script starting in the guest. */
  bootMs: number;
  /** The kernel console (ttyS0), for diagnosing failures. */
  console: string;
}

export const DEFAULT_TIMEOUT_MS = 120_000;
/**
 * qboot (qemu-system-data) is a minimal firmware that jumps straight to the PVH kernel: about a
 * second less than SeaBIOS under TCG. SeaBIOS is the fallback when it is missing.
 */
const QBOOT_ROM = "/usr/share/qemu/qboot.rom";
const DEFAULT_SMP = 2;
const DEFAULT_MEM_MIB = 1024;
/** Cap on captured script output, so a runaway script cannot exhaust the test's memory. */
export const OUTPUT_MAX_BYTES = 16 << 20;
export const CONSOLE_TAIL_CHARS = 4000;
/** Boots tried when the guest dies before the script starts (a kernel panic on a loaded host). */
export const BOOT_ATTEMPTS_MAX = 2;
const KERNEL_ARGS = [
  "console=ttyS0",
  "quiet",
  "panic=-1",
  "oops=panic",
  "cryptomgr.notests",
  "mitigations=off",
  "tsc=reliable",
  // On a loaded host the emulated PIT ticks too slowly for the IO-APIC timer check, and the
  // kernel panics with "IO-APIC + timer doesn't work!".
  "no_timer_check",
  "random.trust_cpu=on",
  "rdinit=/init",
];

let imagePromise: Promise<GuestImage> | null = null;

/** The cached guest image (built on first use on this machine). */
export function guestImage(): Promise<GuestImage> {
  imagePromise ??= ensureGuestImage().catch((e: unknown) => {
    imagePromise = null;
    throw e;
  });
  return imagePromise;
}

export function qemuArgs(
  image: GuestImage,
  scriptPath: string,
  consolePath: string,
  o: GuestOptions,
): string[] {
  const args = [
    "-nodefaults",
    "-no-user-config",
    "-display",
    "none",
    "-machine",
    "pc",
    "-accel",
    "tcg,thread=multi",
    "-cpu",
    "Westmere",
    "-smp",
    String(o.smp ?? DEFAULT_SMP),
    "-m",
    String(o.memMiB ?? DEFAULT_MEM_MIB),
    "-no-reboot",
    ...(existsSync(QBOOT_ROM) ? ["-bios", QBOOT_ROM] : []),
    "-kernel",
    image.vmlinux,
    "-initrd",
    image.initramfs,
    "-append",
    [...KERNEL_ARGS, ...(o.kernelArgs ?? []), ...(o.shareDir === undefined ? [] : [GUEST_SHARE_FLAG])].join(
      " ",
    ),
    "-chardev",
    `file,id=con,path=${consolePath}`,
    "-serial",
    "chardev:con",
    "-chardev",
    "stdio,id=out,signal=off",
    "-serial",
    "chardev:out",
    "-netdev",
    "user,id=n0,net=10.0.2.0/23,host=10.0.2.2,dns=10.0.3.3,ipv6=off",
    "-device",
    "virtio-net-pci,netdev=n0",
    "-fw_cfg",
    `name=${GUEST_SCRIPT_FW_CFG},file=${scriptPath}`,
  ];
  if (o.shareDir !== undefined) {
    args.push(
      "-fsdev",
      `local,id=fs0,path=${o.shareDir},security_model=none`,
      "-device",
      "virtio-9p-pci,fsdev=fs0,mount_tag=share",
    );
  }
  return args;
}

function parseExit(text: string): { output: string; exitCode: number; reason: string } | null {
  const start = text.indexOf(`${GUEST_READY_MARKER}\n`);
  const end = text.lastIndexOf(`${GUEST_EXIT_MARKER} `);
  if (end < 0) return null;
  const line = text.slice(end + GUEST_EXIT_MARKER.length + 1).split("\n")[0] ?? "";
  const [code, ...reason] = line.trim().split(" ");
  const from = start < 0 ? 0 : start + GUEST_READY_MARKER.length + 1;
  return { output: text.slice(from, Math.max(from, end)), exitCode: Number(code), reason: reason.join(" ") };
}

/** Boots the guest, runs `script` with busybox sh, powers off. */
export async function runInGuest(script: string, opts: GuestOptions = {}): Promise<GuestResult> {
  const image = await guestImage();
  const tmp = mkdtempSync(join(tmpdir(), "dittofs-guest-"));
  const scriptPath = join(tmp, "script.sh");
  const consolePath = join(tmp, "console.log");
  writeFileSync(scriptPath, script);
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        return await runQemu(qemuArgs(image, scriptPath, consolePath, opts), tmp, consolePath, opts);
      } catch (e) {
        // A guest that died before the script started had no side effects: boot it again.
        if (!(e instanceof GuestBootError) || !e.retryable || attempt >= BOOT_ATTEMPTS_MAX) throw e;
        process.stderr.write(
          `runInGuest: guest died before the script started, booting again\n${e.message}\n`,
        );
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** A guest run that failed; `retryable` when qemu ended before the script started (not a timeout). */
export class GuestBootError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = "GuestBootError";
  }
}

export function readConsole(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

function runQemu(args: string[], tmp: string, consolePath: string, o: GuestOptions): Promise<GuestResult> {
  const started = performance.now();
  const qemu = spawn("qemu-system-x86_64", args, { stdio: ["ignore", "pipe", "pipe"] });
  if (qemu.pid !== undefined) track(qemu.pid, { group: false, dir: tmp });
  let out = "";
  let err = "";
  let bootMs = -1;
  let timedOut = false;
  qemu.stdout.setEncoding("utf8");
  qemu.stdout.on("data", (chunk: string) => {
    if (out.length < OUTPUT_MAX_BYTES) out += chunk;
    if (bootMs < 0 && out.includes(GUEST_READY_MARKER)) bootMs = Math.round(performance.now() - started);
  });
  qemu.stderr.setEncoding("utf8");
  qemu.stderr.on("data", (chunk: string) => {
    if (err.length < OUTPUT_MAX_BYTES) err += chunk;
  });
  const timer = setTimeout(() => {
    timedOut = true;
    qemu.kill("SIGKILL");
  }, o.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  return new Promise((resolve, reject) => {
    qemu.on("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot start qemu-system-x86_64 (apt-get install qemu-system-x86): ${e.message}`));
    });
    qemu.on("close", (code, signal) => {
      clearTimeout(timer);
      if (qemu.pid !== undefined) untrack(qemu.pid);
      const consoleText = readConsole(consolePath);
      const parsed = parseExit(out.replace(/\r/g, ""));
      if (!timedOut && parsed !== null && parsed.reason === "") {
        resolve({ output: parsed.output, exitCode: parsed.exitCode, bootMs, console: consoleText });
        return;
      }
      const why = timedOut
        ? `guest timed out after ${o.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`
        : parsed !== null
          ? `guest setup failed: ${parsed.reason} (status ${parsed.exitCode})`
          : `qemu exited (code ${code}, signal ${signal}) before the script finished`;
      const detail = `--- script output ---\n${out}\n--- qemu stderr ---\n${err}\n--- console (tail) ---\n${consoleText.slice(-CONSOLE_TAIL_CHARS)}`;
      reject(new GuestBootError(`${why}\n${detail}`, !timedOut && bootMs < 0 && parsed === null));
    });
  });
}

/**
 * Per-call latency and server CPU cost of a synchronous NFSv3 client, DittoFS against
 * NFS-Ganesha (VFS) in one run. The metadata-heavy phases of bench/nfs.ts are round-trip bound
 * (one call in flight), so this isolates the per-call cost of the server, connection layer included.
 *
 *   npx tsx bench/nfs-calls.ts [--n 5000] [--rounds 5] [--modes null,stat,fstat,read,write,seqwrite,create,small,readdir]
 *                              [--stores memory|persistent] [--no-ganesha] [--profile DIR]
 *
 * `null` is NFSPROC3_NULL: the fixed cost of one RPC round trip (framing, call header, dispatch,
 * reply write) with no procedure work, the floor under every other mode.
 * The client is bench/nfs-calls.c over libnfs. Per mode it prints the best of `rounds` runs
 * (interleaved between the servers; the machine is shared and noisy) of the wall time per
 * operation (mean, and the median p50, which a loaded machine's scheduling tail moves less), and of the server process CPU time per operation (utime+stime from /proc/PID/stat,
 * less sensitive to other load than wall time). seqwrite ops are 1 MiB, so its CPU line also gives
 * server CPU seconds per GiB written; small (create + 4 KiB write + close + unlink) CPU × 1000 is
 * the CPU per 1,000 small files; readdir's n is listings of a 1,000-entry directory and its figures
 * are per listed entry (its CPU includes making the 1,000 files once). `--profile DIR` runs DittoFS under `node --cpu-prof` (summary:
 * bench/profile-summary.ts).
 */
import { execFile, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs, promisify } from "node:util";
import { startGanesha } from "../e2e/peers/ganesha.ts";

const run = promisify(execFile);
const here = import.meta.dirname;
const root = resolve(here, "..");
const TICK_US = 1e6 / 100; // USER_HZ

const { values } = parseArgs({
  options: {
    n: { type: "string", default: "5000" },
    rounds: { type: "string", default: "5" },
    modes: { type: "string", default: "stat,fstat,read,create" },
    stores: { type: "string", default: "persistent" },
    "no-ganesha": { type: "boolean", default: false },
    profile: { type: "string" },
  },
});

const work = mkdtempSync(join(tmpdir(), "dittofs-bench-calls-"));

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(f[11]) + Number(f[12]); // fields 14 and 15: utime, stime
}

async function startDittofs(): Promise<{ port: number; pid: number; stop(): Promise<void> }> {
  const data = mkdtempSync(join(work, "dittofs-data-"));
  const prof =
    values.profile === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${resolve(values.profile)}`];
  const args = [
    ...prof,
    "--import",
    "tsx",
    join(here, "nfs-server.ts"),
    "--port",
    "0",
    "--stores",
    values.stores,
  ];
  const child = spawn(process.execPath, [...args, "--data", data], {
    cwd: root,
    stdio: ["ignore", "pipe", "ignore"],
  });
  const port = await new Promise<number>((res, rej) => {
    let buf = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => {
      buf += s;
      const m = /READY (\d+)/.exec(buf);
      if (m) res(Number(m[1]));
    });
    child.once("exit", (code) => rej(new Error(`dittofs server exited ${code}`)));
  });
  const stop = () =>
    new Promise<void>((res) => {
      child.once("exit", () => res());
      child.kill("SIGTERM");
    });
  return { port, pid: child.pid ?? 0, stop };
}

interface Sample {
  wallUs: number;
  /** Median round trip (the mean carries the shared machine's scheduling tail). */
  p50Us: number;
  cpuUs: number;
}

async function measure(bin: string, url: string, pid: number, mode: string, n: number): Promise<Sample> {
  const before = cpuTicks(pid);
  const { stdout } = await run(bin, [url, mode, String(n)], { timeout: 600_000 });
  // readdir: `n` listings, reported per listed entry (its setup of 1,000 files is in the CPU too).
  const out = JSON.parse(stdout) as { us_per_op: number; p50_us: number; n: number };
  const cpuUs = ((cpuTicks(pid) - before) * TICK_US) / out.n;
  return { wallUs: out.us_per_op, p50Us: out.p50_us, cpuUs };
}

async function main(): Promise<void> {
  const bin = join(work, "nfs-calls");
  const flags = (await run("pkg-config", ["--cflags", "--libs", "libnfs"])).stdout.trim().split(/\s+/);
  await run("gcc", ["-O2", "-o", bin, join(here, "nfs-calls.c"), ...flags]);
  const servers: { name: string; url: string; pid: number; stop(): Promise<void> }[] = [];
  try {
    const d = await startDittofs();
    const dUrl = `nfs://127.0.0.1/export?version=3&nfsport=${d.port}&mountport=${d.port}`;
    servers.push({ name: "dittofs", url: dUrl, pid: d.pid, stop: d.stop });
    if (!values["no-ganesha"]) {
      const gDir = join(work, "ganesha-export");
      mkdirSync(gDir, { mode: 0o777 });
      const g = await startGanesha({ fsal: "VFS", exportPath: gDir });
      const gUrl = `nfs://127.0.0.1${g.exportPath}?version=3&nfsport=${g.nfsPort}&mountport=${g.mountPort}`;
      servers.push({ name: "ganesha", url: gUrl, pid: g.pid, stop: g.stop });
    }
    const n = Number(values.n);
    for (const mode of values.modes.split(",")) {
      for (const s of servers) await measure(bin, s.url, s.pid, mode, Math.ceil(n / 10)); // warm-up
      const best = new Map<string, Sample>();
      for (let r = 0; r < Number(values.rounds); r++) {
        for (const s of servers) {
          const m = await measure(bin, s.url, s.pid, mode, n);
          const b = best.get(s.name);
          best.set(s.name, {
            wallUs: Math.min(b?.wallUs ?? m.wallUs, m.wallUs),
            p50Us: Math.min(b?.p50Us ?? m.p50Us, m.p50Us),
            cpuUs: Math.min(b?.cpuUs ?? m.cpuUs, m.cpuUs),
          });
        }
      }
      const cells = [...best].map(
        ([k, v]) =>
          `${k} ${v.wallUs.toFixed(1)} µs/op (p50 ${v.p50Us.toFixed(1)}, cpu ${v.cpuUs.toFixed(1)})`,
      );
      const dw = best.get("dittofs")?.wallUs ?? 0;
      const gw = best.get("ganesha")?.wallUs;
      const ratio = gw === undefined ? "" : `  ratio ${(gw / dw).toFixed(2)}`;
      console.log(`${mode.padEnd(7)} n=${n} best of ${values.rounds}: ${cells.join(", ")}${ratio}`);
      for (const [k, v] of best) {
        if (mode === "seqwrite")
          console.log(`  ${k}: server CPU ${(v.cpuUs * 1024e-6).toFixed(2)} s per GiB written`);
        if (mode === "small")
          console.log(`  ${k}: server CPU ${(v.cpuUs * 1e-3).toFixed(2)} s per 1,000 small files`);
      }
    }
  } finally {
    for (const s of servers) await s.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();

/**
 * NFSv3 benchmark: DittoFS against NFS-Ganesha (VFS FSAL) in one run, same client, same machine.
 *
 *   npx tsx bench/nfs.ts [--seq-mib 256] [--files 2000] [--rand 5000] [--qd 8] [--stores persistent|memory]
 *                        [--ganesha-fsal VFS|MEM] [--rounds 2] [--profile DIR] [--no-nfsbench]
 *                        [--nfsbench-rounds 3] [--only-nfsbench]
 *
 * `--stores memory --ganesha-fsal MEM` compares the engines without their disks: DittoFS on the
 * memory metadata and block stores against Ganesha's MEM FSAL (which keeps at most 2 MiB per file,
 * e2e/peers/ganesha.ts, so its seq figures are the protocol cost only).
 *
 * The client is a small C program over libnfs (bench/nfs-workload.c, compiled here with gcc into a
 * temp dir): sequential write/read with 1 MiB I/O (qd requests in flight), random 4 KiB reads, small
 * file creates, stat and readdir of them. It prints one JSON line per server; this script prints
 * both and the ratio DittoFS/Ganesha per metric (above 1.0: DittoFS is faster). Then the neutral
 * nfsbench (../shared/tools/nfsbench) runs against both, `--nfsbench-rounds` times interleaved: its
 * JSON lines are printed, then per metric the range over the rounds and the DittoFS/Ganesha ratio
 * range (for latencies, Ganesha/DittoFS, so above 1.0 is again DittoFS better), with the DittoFS
 * server's CPU seconds and RSS after each round (from /proc).
 * `--profile DIR` then runs the phase with the lowest ratio again, alone, against a fresh DittoFS
 * server under `node --cpu-prof`, leaves the .cpuprofile in DIR and prints its summary; after the
 * nfsbench rounds it does the same for every nfsbench phase whose median ratio is below 1.0
 * (`nfsbench -m <phase>`), so each such ratio is reported with the profile of its phase.
 */
import { execFile, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs, promisify } from "node:util";
import { DAEMON_ENV } from "../apps/daemon/bin/pinned-runtime.mjs";
import { startGanesha } from "../e2e/peers/ganesha.ts";

const run = promisify(execFile);
const here = import.meta.dirname;
const root = resolve(here, "..");

const { values } = parseArgs({
  options: {
    "seq-mib": { type: "string", default: "256" },
    files: { type: "string", default: "2000" },
    rand: { type: "string", default: "5000" },
    rounds: { type: "string", default: "2" },
    qd: { type: "string", default: "8" },
    stores: { type: "string", default: "persistent" },
    "ganesha-fsal": { type: "string", default: "VFS" },
    profile: { type: "string" },
    "no-nfsbench": { type: "boolean", default: false },
    "nfsbench-rounds": { type: "string", default: "3" },
    "only-nfsbench": { type: "boolean", default: false },
  },
});

const work = mkdtempSync(join(tmpdir(), "dittofs-bench-nfs-"));

async function buildClient(): Promise<string> {
  const out = join(work, "nfs-workload");
  const flags = (await run("pkg-config", ["--cflags", "--libs", "libnfs"])).stdout.trim().split(/\s+/);
  await run("gcc", ["-O2", "-o", out, join(here, "nfs-workload.c"), ...flags]);
  return out;
}

interface Dittofs {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** Server CPU seconds (utime + stime) and RSS in MiB of a process, from /proc. */
function usage(pid: number): { cpuS: number; rssMiB: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return { cpuS: (Number(f[11]) + Number(f[12])) / 100, rssMiB: Number(rss?.[1] ?? 0) / 1024 };
}

async function startDittofs(profileDir?: string): Promise<Dittofs> {
  const data = mkdtempSync(join(work, "dittofs-data-"));
  const nodeArgs = ["--import", "tsx"];
  if (profileDir) {
    mkdirSync(profileDir, { recursive: true });
    nodeArgs.unshift("--cpu-prof", `--cpu-prof-dir=${resolve(profileDir)}`);
  }
  const args = [
    ...nodeArgs,
    join(here, "nfs-server.ts"),
    "--port",
    "0",
    "--stores",
    values.stores,
    "--data",
    data,
  ];
  // The daemon's environment (its libuv threadpool: bin/pinned-runtime.mjs DAEMON_ENV).
  const child = spawn(process.execPath, args, {
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...DAEMON_ENV, ...process.env },
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
  return {
    port,
    pid: child.pid ?? 0,
    stop: () =>
      new Promise<void>((res) => {
        child.once("exit", () => res());
        child.kill("SIGTERM");
      }),
  };
}

type Result = Record<string, number>;

async function workload(
  bin: string,
  url: string,
  sizes?: string[],
  phases = "seq,rand,small",
): Promise<Result> {
  const args = [url, ...(sizes ?? [values["seq-mib"], values.files, values.rand]), values.qd, phases];
  const { stdout } = await run(bin, args, { maxBuffer: 1 << 20, timeout: 900_000 });
  return JSON.parse(stdout.trim()) as Result;
}

async function nfsbench(url: string, phases?: string): Promise<string> {
  const bin = join(work, "nfsbench");
  await run("bash", ["/work/shared/tools/nfsbench/build-nfsbench.sh", bin]).catch(() => {});
  const args = [...(phases === undefined ? [] : ["-m", phases]), "-n", values.files, url];
  const { stdout } = await run(bin, args, { timeout: 900_000, maxBuffer: 1 << 20 });
  return stdout.trim();
}

/** The nfsbench phase (`-m`) that measures each metric. */
const NFSBENCH_PHASE: Record<string, string> = {
  seq_write_mibs: "seq",
  seq_read_mibs: "seq",
  rand_read_iops: "rand",
  rand_read_lat_us_p50: "rand",
  rand_read_lat_us_p99: "rand",
  small_create_ops: "small",
  stat_ops: "stat",
  getattr_ops: "stat",
  readdir_entries_per_s: "readdir",
  unlink_ops: "unlink",
};

/** Runs nfsbench's `phase` alone against a fresh DittoFS under `node --cpu-prof`; prints the summary. */
async function profileNfsbenchPhase(phase: string, dir: string): Promise<void> {
  const phaseDir = join(dir, `nfsbench-${phase}`);
  const server = await startDittofs(phaseDir);
  try {
    await nfsbench(`nfs://127.0.0.1/export?version=3&nfsport=${server.port}&mountport=${server.port}`, phase);
  } finally {
    await server.stop();
  }
  await printProfile(phaseDir, `nfsbench phase ${phase} (ratio below 1.0)`);
}

/** nfsbench metrics reported as ranges; `lower` ones are latencies (smaller is better). */
const NFSBENCH_METRICS: { key: string; lower?: boolean }[] = [
  { key: "seq_write_mibs" },
  { key: "seq_read_mibs" },
  { key: "rand_read_iops" },
  { key: "rand_read_lat_us_p50", lower: true },
  { key: "rand_read_lat_us_p99", lower: true },
  { key: "small_create_ops" },
  { key: "stat_ops" },
  { key: "getattr_ops" },
  { key: "readdir_entries_per_s" },
  { key: "unlink_ops" },
];

const span = (xs: number[], digits: number) =>
  `${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}`;

/** nfsbench against both servers, rounds interleaved; prints every line and the ranges. */
async function nfsbenchRounds(dUrl: string, gUrl: string, d0: Dittofs): Promise<void> {
  const rounds = Number(values["nfsbench-rounds"]);
  console.log(
    `nfsbench (../shared/tools/nfsbench), DittoFS ${values.stores} stores vs Ganesha ${values["ganesha-fsal"]}, ${rounds} interleaved rounds, load ${loadavg()[0]!.toFixed(1)}, one JSON line per run:`,
  );
  const ds: Result[] = [];
  const gs: Result[] = [];
  for (let i = 0; i < rounds; i++) {
    const u0 = usage(d0.pid);
    const d = await nfsbench(dUrl);
    const u1 = usage(d0.pid);
    const g = await nfsbench(gUrl);
    console.log(
      `dittofs server: ${(u1.cpuS - u0.cpuS).toFixed(2)} s CPU in the round, RSS ${u1.rssMiB.toFixed(0)} MiB after it`,
    );
    console.log(`dittofs ${d}`);
    console.log(`ganesha ${g}`);
    ds.push(JSON.parse(d) as Result);
    gs.push(JSON.parse(g) as Result);
  }
  console.log(`load after the rounds: ${loadavg()[0]!.toFixed(1)}`);
  console.log(
    `${"nfsbench metric".padEnd(24)} ${"dittofs".padStart(20)} ${"ganesha".padStart(20)} ${"ratio".padStart(12)}`,
  );
  const slow = new Set<string>();
  for (const { key, lower } of NFSBENCH_METRICS) {
    const d = ds.map((r) => r[key] ?? Number.NaN);
    const g = gs.map((r) => r[key] ?? Number.NaN);
    // Ratio per round (same moment's load on both), so the range is not min/max of unrelated runs.
    const ratios = d.map((x, i) => (lower ? g[i]! / x : x / g[i]!));
    const median = [...ratios].sort((a, b) => a - b)[Math.floor(ratios.length / 2)]!;
    if (median < 1) slow.add(NFSBENCH_PHASE[key]!);
    console.log(
      `${key.padEnd(24)} ${span(d, 1).padStart(20)} ${span(g, 1).padStart(20)} ${span(ratios, 2).padStart(12)}`,
    );
  }
  if (values.profile === undefined) return;
  for (const phase of slow) await profileNfsbenchPhase(phase, values.profile);
}

const METRICS = [
  "seq_write_mibs",
  "seq_read_mibs",
  "rand_read_iops",
  "create_ops",
  "stat_ops",
  "readdir_entries_s",
  "unlink_ops",
];

const PHASES: Record<string, string[]> = {
  seq: ["seq_write_mibs", "seq_read_mibs"],
  rand: ["rand_read_iops"],
  small: ["create_ops", "stat_ops", "readdir_entries_s", "unlink_ops"],
};

/** The phase group with the lowest DittoFS/Ganesha ratio. */
function slowestPhase(d: Result, g: Result): string {
  let worst = "small";
  let worstRatio = Number.POSITIVE_INFINITY;
  for (const [phase, metrics] of Object.entries(PHASES)) {
    for (const m of metrics) {
      const r = (d[m] ?? 0) / (g[m] ?? 1);
      if (r < worstRatio) {
        worstRatio = r;
        worst = phase;
      }
    }
  }
  return worst;
}

/** Runs only `phase` against a fresh DittoFS under `node --cpu-prof`; prints the summary. */
async function profilePhase(bin: string, phase: string, dir: string): Promise<void> {
  const server = await startDittofs(dir);
  const url = `nfs://127.0.0.1/export?version=3&nfsport=${server.port}&mountport=${server.port}`;
  try {
    await workload(bin, url, undefined, phase === "rand" ? "seq,rand" : phase);
  } finally {
    await server.stop();
  }
  await printProfile(dir, `the slowest phase (${phase})`);
}

/** Summarizes the largest .cpuprofile in `dir` (the server's main thread). */
async function printProfile(dir: string, what: string): Promise<void> {
  const main = readdirSync(dir)
    .filter((f) => f.endsWith(".cpuprofile"))
    .map((f) => join(dir, f))
    .sort((a, b) => statSync(b).size - statSync(a).size)[0];
  if (!main) return;
  console.log(`profile of ${what}: ${main}`);
  const { stdout } = await run("npx", ["tsx", join(here, "profile-summary.ts"), main, "25"], { cwd: root });
  console.log(stdout);
}

function best(rs: Result[]): Result {
  const out: Result = {};
  for (const m of METRICS) out[m] = Math.max(...rs.map((r) => r[m] ?? 0));
  return out;
}

function table(d: Result, g: Result): string {
  const rows = METRICS.map((m) => {
    const a = d[m] ?? Number.NaN;
    const b = g[m] ?? Number.NaN;
    return `${m.padEnd(20)} ${a.toFixed(1).padStart(12)} ${b.toFixed(1).padStart(12)} ${(a / b).toFixed(2).padStart(8)}`;
  });
  return [
    `${"metric".padEnd(20)} ${"dittofs".padStart(12)} ${"ganesha".padStart(12)} ${"ratio".padStart(8)}`,
    ...rows,
  ].join("\n");
}

async function main(): Promise<void> {
  const bin = await buildClient();
  const fsal = values["ganesha-fsal"];
  if (fsal !== "VFS" && fsal !== "MEM") throw new Error(`--ganesha-fsal: VFS or MEM, not ${fsal}`);
  const ganeshaDir = fsal === "MEM" ? "/mem" : join(work, "ganesha-export");
  if (fsal === "VFS") mkdirSync(ganeshaDir, { mode: 0o777 });
  const ganesha = await startGanesha({ fsal, exportPath: ganeshaDir });
  const dittofs = await startDittofs();
  const dUrl = `nfs://127.0.0.1/export?version=3&nfsport=${dittofs.port}&mountport=${dittofs.port}`;
  const gUrl = `nfs://127.0.0.1${ganesha.exportPath}?version=3&nfsport=${ganesha.nfsPort}&mountport=${ganesha.mountPort}`;
  try {
    // Warm the JIT so the first measured round is not compile time.
    await workload(bin, dUrl, ["16", "200", "500"]);
    if (values["only-nfsbench"]) {
      await nfsbenchRounds(dUrl, gUrl, dittofs);
      return;
    }
    const ds: Result[] = [];
    const gs: Result[] = [];
    for (let i = 0; i < Number(values.rounds); i++) {
      ds.push(await workload(bin, dUrl));
      gs.push(await workload(bin, gUrl));
      console.log(`round ${i + 1} DittoFS (${values.stores} stores): ${JSON.stringify(ds.at(-1))}`);
      console.log(`round ${i + 1} Ganesha (${values["ganesha-fsal"]}): ${JSON.stringify(gs.at(-1))}`);
    }
    console.log(`best of ${values.rounds} rounds per metric (shared, noisy machine):`);
    console.log(table(best(ds), best(gs)));
    if (values.profile) await profilePhase(bin, slowestPhase(best(ds), best(gs)), values.profile);
    if (!values["no-nfsbench"]) await nfsbenchRounds(dUrl, gUrl, dittofs);
  } finally {
    await dittofs.stop();
    await ganesha.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();

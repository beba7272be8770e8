/**
 * Scale-out benchmark (issue 9): the same client load against one DittoFS daemon and against two
 * daemons sharing one PostgreSQL metadata store and one S3 (s3rver) bucket, in one run.
 *
 *   npx tsx bench/scaleout.ts [--clients 2] [--files 1000] [--seq-mib 64] [--qd 8] [--rounds 2]
 *
 * Each daemon is its own process (e2e/real/scaleout-daemon.ts: own data dir, cache, WAL and
 * control-plane SQLite). `--clients` libnfs workload processes (bench/nfs-workload.c, seq + small
 * phases) run at once: all on the single daemon, or split alternately across the two. Each
 * configuration gets a fresh database and bucket. Printed per configuration: the sum over clients
 * of each client's rate (they run concurrently), and the scaling factor two/one per metric
 * (above 1.0: the second daemon added throughput). The machine's core count and load average are
 * printed too: with fewer free cores than daemons + clients, the factor measures CPU contention.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs, promisify } from "node:util";
import { createDatabase, startPostgres } from "../e2e/peers/postgres.ts";
import { startS3rver } from "../e2e/peers/s3rver.ts";
import { type DaemonProcess, SHARED_SHARE, startMember } from "../e2e/real/scaleout-cluster.ts";

const run = promisify(execFile);
const here = import.meta.dirname;

const { values } = parseArgs({
  options: {
    clients: { type: "string", default: "2" },
    files: { type: "string", default: "1000" },
    "seq-mib": { type: "string", default: "64" },
    qd: { type: "string", default: "8" },
    rounds: { type: "string", default: "2" },
  },
});
const CLIENTS = Number(values.clients);
const FILES = Number(values.files);
const SEQ_MIB = Number(values["seq-mib"]);
const QD = Number(values.qd);
const ROUNDS = Number(values.rounds);

/** Metrics of nfs-workload's JSON line that the seq and small phases fill. */
const METRICS = [
  "seq_write_mibs",
  "seq_read_mibs",
  "create_ops",
  "stat_ops",
  "readdir_entries_s",
  "unlink_ops",
];
type Result = Record<string, number>;

const work = mkdtempSync(join(tmpdir(), "dittofs-bench-scaleout-"));

async function buildClient(): Promise<string> {
  const out = join(work, "nfs-workload");
  const flags = (await run("pkg-config", ["--cflags", "--libs", "libnfs"])).stdout.trim().split(/\s+/);
  await run("gcc", ["-O2", "-o", out, resolve(here, "nfs-workload.c"), ...flags]);
  return out;
}

function url(d: DaemonProcess): string {
  return `nfs://127.0.0.1${SHARED_SHARE}?version=3&nfsport=${d.nfsPort}&mountport=${d.nfsPort}`;
}

/** Runs CLIENTS workloads at once, client i on daemons[i % n]; sums each metric over clients. */
async function load(client: string, daemons: DaemonProcess[]): Promise<Result> {
  const outputs = await Promise.all(
    Array.from({ length: CLIENTS }, (_, i) =>
      run(
        client,
        [url(daemons[i % daemons.length]!), String(SEQ_MIB), String(FILES), "0", String(QD), "seq,small"],
        {
          maxBuffer: 1 << 20,
        },
      ),
    ),
  );
  const sum: Result = Object.fromEntries(METRICS.map((m) => [m, 0]));
  for (const { stdout } of outputs) {
    const line = JSON.parse(stdout.trim().split("\n").at(-1)!) as Result;
    for (const m of METRICS) sum[m]! += line[m] ?? 0;
  }
  return sum;
}

async function measure(
  client: string,
  pgUrl: string,
  s3: Awaited<ReturnType<typeof startS3rver>>,
  n: number,
  round: number,
) {
  const tag = `d${n}_r${round}`;
  const bucket = `scaleout-${tag.replace("_", "-")}`;
  await s3.createBucket(bucket);
  const stores = { postgresUrl: await createDatabase(pgUrl, `bench_scaleout_${tag}`), s3, bucket };
  const daemons: DaemonProcess[] = [];
  try {
    for (let i = 0; i < n; i++) daemons.push(await startMember(`bench${i}`, stores));
    return await load(client, daemons);
  } catch (err) {
    for (const d of daemons) console.error(`--- ${d.name} log (warn and above) ---\n${d.log().slice(-4000)}`);
    throw err;
  } finally {
    await Promise.all(daemons.map((d) => d.stop()));
  }
}

function best(results: Result[]): Result {
  return Object.fromEntries(METRICS.map((m) => [m, Math.max(...results.map((r) => r[m]!))]));
}

const pg = await startPostgres();
const s3 = await startS3rver();
try {
  const client = await buildClient();
  const one: Result[] = [];
  const two: Result[] = [];
  // Alternate the order each round so neither configuration always runs on a cold PostgreSQL.
  for (let r = 0; r < ROUNDS; r++) {
    if (r % 2 === 0) {
      one.push(await measure(client, pg.url, s3, 1, r));
      two.push(await measure(client, pg.url, s3, 2, r));
    } else {
      two.push(await measure(client, pg.url, s3, 2, r));
      one.push(await measure(client, pg.url, s3, 1, r));
    }
  }
  const b1 = best(one);
  const b2 = best(two);
  console.log(
    `scale-out: ${CLIENTS} clients, ${SEQ_MIB} MiB seq each, ${FILES} files each, qd ${QD}, best of ${ROUNDS}; ` +
      `${availableParallelism()} cores, load ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
  );
  console.log(
    `${"metric (sum over clients)".padEnd(28)}${"1 daemon".padStart(12)}${"2 daemons".padStart(12)}${"2/1".padStart(8)}`,
  );
  for (const m of METRICS) {
    const ratio = b1[m]! > 0 ? (b2[m]! / b1[m]!).toFixed(2) : "-";
    console.log(
      `${m.padEnd(28)}${b1[m]!.toFixed(1).padStart(12)}${b2[m]!.toFixed(1).padStart(12)}${ratio.padStart(8)}`,
    );
  }
  console.log(JSON.stringify({ clients: CLIENTS, one: b1, two: b2 }));
} finally {
  await s3.stop();
  await pg.stop();
  rmSync(work, { recursive: true, force: true });
}

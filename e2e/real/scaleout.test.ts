/**
 * Scale-out (issue 9): two DittoFS daemons, each its own process with its own data dir,
 * control-plane SQLite, cache and WAL, serving one share whose metadata is in one PostgreSQL
 * database (the run's private cluster) and whose blocks are in one s3rver bucket. Clients are
 * libnfs-utils (nfs-ls) and a small libnfs program (scaleout-client.c).
 *
 * File content: the share is postgres + s3, so the daemons run it in shared mode (COMMIT waits
 * until the file's blocks are in S3), and a file written and COMMITted through A reads whole
 * through B at once, also when A is SIGKILLed the moment COMMIT answers. Not covered: a rewrite
 * through B seen by A (A's block cache is never checked against metadata; README "Scale-out").
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type S3rverPeer, startS3rver } from "../peers/s3rver.ts";
import { testDatabaseUrl } from "../peers/test-db.ts";
import {
  type ClusterStores,
  type DaemonProcess,
  nfsUrl,
  SHARED_SHARE,
  startMember,
} from "./scaleout-cluster.ts";

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const DIR_FILES = 1000;
const RACE_NAMES = 200;
/** Not a multiple of any block size: the last block is partial, where zeros showed before. */
const XFER_BYTES = 3 * 1024 * 1024 + 12_345;

/** The first offset where two buffers differ, or -1: a useful failure message for a 3 MiB file. */
function firstDifference(x: Buffer, y: Buffer): number {
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return i;
  return x.length === y.length ? -1 : n;
}

describe("two daemons sharing PostgreSQL metadata and an S3 bucket", () => {
  let tmp: string;
  let s3: S3rverPeer;
  let stores: ClusterStores;
  let a: DaemonProcess;
  let b: DaemonProcess;
  let client: string;

  const exportUrl = (d: DaemonProcess) =>
    `nfs://127.0.0.1${SHARED_SHARE}?version=3&nfsport=${d.nfsPort}&mountport=${d.nfsPort}`;
  const tool = async (d: DaemonProcess, ...args: string[]) =>
    (await run(client, [exportUrl(d), ...args], { maxBuffer: 1 << 20 })).stdout.trim();

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), "dittofs-scaleout-test-"));
    client = join(tmp, "scaleout-client");
    const [pg, peer] = await Promise.all([
      testDatabaseUrl("scaleout"),
      startS3rver(),
      run("gcc", ["-O2", "-o", client, join(here, "scaleout-client.c"), "-lnfs"]),
    ]);
    s3 = peer;
    await s3.createBucket("dittofs-scaleout");
    stores = { postgresUrl: pg, s3, bucket: "dittofs-scaleout" };
    a = await startMember("a", stores);
    b = await startMember("b", stores);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await s3?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("a directory of 1,000 files made half through A, half through B lists 1,000 on both", async () => {
    await tool(a, "mkdir", "/many");
    const half = DIR_FILES / 2;
    const [ra, rb] = await Promise.all([
      tool(a, "create", "/many", "f", "0", String(half)),
      tool(b, "create", "/many", "f", String(half), String(half)),
    ]);
    expect(ra + rb).toBe("c".repeat(DIR_FILES));
    expect(await tool(a, "count", "/many")).toBe(String(DIR_FILES));
    expect(await tool(b, "count", "/many")).toBe(String(DIR_FILES));
    const { stdout } = await run("nfs-ls", [nfsUrl(b.nfsPort, "/many")], { maxBuffer: 1 << 22 });
    expect(stdout.split("\n").filter((l) => / f\d+$/.test(l))).toHaveLength(DIR_FILES);
  });

  it("concurrent creates of the same names through A and B make each name exactly once", async () => {
    await tool(a, "mkdir", "/race");
    const [ra, rb] = await Promise.all([
      tool(a, "create", "/race", "same", "0", String(RACE_NAMES)),
      tool(b, "create", "/race", "same", "0", String(RACE_NAMES)),
    ]);
    for (let i = 0; i < RACE_NAMES; i++) {
      expect([ra[i], rb[i]].sort().join(""), `name same${i}`).toBe("ce");
    }
    expect(await tool(a, "count", "/race")).toBe(String(RACE_NAMES));
    expect(await tool(b, "count", "/race")).toBe(String(RACE_NAMES));
  });

  it("a rename through A racing a remove of the same entry through B: one wins, the directory stays whole", async () => {
    await tool(a, "mkdir", "/rr");
    expect(await tool(a, "create", "/rr", "x", "0", String(RACE_NAMES))).toBe("c".repeat(RACE_NAMES));
    const [renamed, removed] = await Promise.all([
      tool(a, "rename", "/rr", "x", "0", String(RACE_NAMES), "y"),
      tool(b, "unlink", "/rr", "x", "0", String(RACE_NAMES)),
    ]);
    for (let i = 0; i < RACE_NAMES; i++) {
      expect([renamed[i], removed[i]].join(""), `name x${i}`).toMatch(/^(rn|nu)$/);
    }
    const survivors = [...renamed].filter((c) => c === "r").length;
    for (const d of [a, b]) {
      expect(await tool(d, "count", "/rr")).toBe(String(survivors));
      // nfs-ls reads every entry's attributes: an entry naming a removed inode would fail here.
      const { stdout } = await run("nfs-ls", [nfsUrl(d.nfsPort, "/rr")], { maxBuffer: 1 << 22 });
      const names = stdout
        .split("\n")
        .map((l) => / (\S+)$/.exec(l)?.[1])
        .filter((n) => n !== undefined && n !== "." && n !== "..");
      expect(names.sort()).toEqual([...renamed].flatMap((c, i) => (c === "r" ? [`y${i}`] : [])).sort());
    }
  });

  /** Writes fresh random bytes to PATH through A, reads them back through B; returns both. */
  const xfer = async (path: string, killA: boolean) => {
    const input = join(tmp, `in${path.replaceAll("/", "_")}`);
    const output = join(tmp, `out${path.replaceAll("/", "_")}`);
    const data = randomBytes(XFER_BYTES);
    writeFileSync(input, data);
    const args = ["xfer", path, input, exportUrl(b), output];
    if (killA) args.push(String(a.child.pid));
    await tool(a, ...args).catch((err: Error) => {
      throw new Error(`${err.message}\nA's log:\n${a.log()}\nB's log:\n${b.log()}`);
    });
    return { data, read: readFileSync(output) };
  };

  it("a file written and COMMITted through A reads whole through B at once (partial last block)", async () => {
    const { data, read } = await xfer("/xfer-commit.bin", false);
    expect(read.length).toBe(data.length);
    expect(firstDifference(read, data)).toBe(-1);
  });

  it("A SIGKILLed the moment its COMMIT answers: B still serves the whole file", async () => {
    const { data, read } = await xfer("/xfer-kill.bin", true);
    const child = a.child;
    if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once("exit", r));
    expect(child.signalCode).toBe("SIGKILL");
    expect(read.length).toBe(data.length);
    expect(firstDifference(read, data)).toBe(-1);
    // A back (it replays its WAL) for the readiness case below.
    await a.stop();
    a = await startMember("a", stores);
  }, 90_000);

  // Last: it takes the bucket away from both daemons.
  it("readiness fails on both daemons when the shared S3 endpoint is gone", async () => {
    const ready = async (d: DaemonProcess) => (await fetch(`${d.httpUrl}/health/ready`)).status;
    expect([await ready(a), await ready(b)]).toEqual([200, 200]);
    await s3.stop();
    await expect.poll(() => ready(a), { timeout: 20_000 }).toBe(503);
    await expect.poll(() => ready(b), { timeout: 20_000 }).toBe(503);
    const body = (await (await fetch(`${b.httpUrl}/health/ready`)).json()) as {
      checks: Array<{ name: string; ok: boolean }>;
    };
    expect(body.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(["block-store s3"]);
  });
});

/**
 * Scale-out (issue 9): two DittoFS daemons, each its own process with its own data dir,
 * control-plane SQLite, cache and WAL, serving one share whose metadata is in one PostgreSQL
 * database (the run's private cluster) and whose blocks are in one s3rver bucket. Clients are
 * libnfs-utils (nfs-ls) and a small libnfs program (scaleout-client.c).
 *
 * Only the metadata cases are here: file content is not yet close-to-open consistent across
 * daemons (COMMIT returns before the S3 upload, and a daemon's block cache is never checked
 * against metadata). `scaleout-client xfer` reproduces those; README "Scale-out" says what fails.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
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

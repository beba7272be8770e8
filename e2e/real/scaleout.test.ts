/**
 * Scale-out (issue 9): two DittoFS daemons, each its own process with its own data dir,
 * control-plane SQLite, cache and WAL, serving one share whose metadata is in one PostgreSQL
 * database (the run's private cluster) and whose blocks are in one s3rver bucket. Clients are
 * libnfs-utils (nfs-ls) and a small libnfs program (scaleout-client.c).
 *
 * File content: the share is postgres + s3, so the daemons run it in shared mode (COMMIT waits
 * until the file's blocks are in S3), and a file written and COMMITted through A reads whole
 * through B at once, also when A is SIGKILLed the moment COMMIT answers. Blocks are versioned
 * and recorded in PostgreSQL: a file rewritten through B reads new through A after close (A had
 * the old blocks cached), and the sweeper removes superseded versions and deleted files' blocks
 * once they are older than the grace period (shortened here to GC_GRACE_MS).
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3BlockStore } from "../../apps/daemon/src/payload/block-store/s3.ts";
import { parseVersionedKey } from "../../apps/daemon/src/payload/shared/versions.ts";
import { type S3rverPeer, startS3rver } from "../peers/s3rver.ts";
import { testDatabaseUrl } from "../peers/test-db.ts";
import {
  ADMIN_PASSWORD,
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
/** Block GC grace period of the members: short, but longer than an upload on a loaded machine. */
const GC_GRACE_MS = 10_000;

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
    stores = {
      postgresUrl: pg,
      s3,
      bucket: "dittofs-scaleout",
      scaleout: { gcGraceMs: GC_GRACE_MS, gcIntervalMs: 250 },
    };
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

  /**
   * Writes fresh random bytes to PATH through `from` (A), reads them back through `to` (B);
   * returns both. `killA`: SIGKILL A the moment its COMMIT answers.
   */
  const xfer = async (path: string, killA: boolean, bytes = XFER_BYTES, from = a, to = b) => {
    const input = join(tmp, `in${path.replaceAll("/", "_")}`);
    const output = join(tmp, `out${path.replaceAll("/", "_")}`);
    rmSync(output, { force: true });
    const data = randomBytes(bytes);
    writeFileSync(input, data);
    const args = ["xfer", path, input, exportUrl(to), output];
    if (killA) args.push(String(a.child.pid));
    await tool(from, ...args).catch((err: Error) => {
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

  it("a file rewritten through B reads new through A after close, though A had it cached", async () => {
    // A writes the file (its cache keeps the blocks it uploaded), B reads it.
    const first = await xfer("/rewrite.bin", false);
    expect(firstDifference(first.read, first.data)).toBe(-1);
    // B rewrites it (O_TRUNC, same size, new bytes) and closes; A reads it at once.
    const second = await xfer("/rewrite.bin", false, XFER_BYTES, b, a);
    expect(second.read.length).toBe(second.data.length);
    expect(firstDifference(second.read, second.data)).toBe(-1);
    // And back: B had the second version cached from its own write.
    const third = await xfer("/rewrite.bin", false);
    expect(firstDifference(third.read, third.data)).toBe(-1);
  });

  it("a rewrite to another size through B shows through A within the attribute cache bound", async () => {
    await xfer("/resize.bin", false);
    const input = join(tmp, "in_resize_small");
    const small = randomBytes(100_000);
    writeFileSync(input, small);
    const out = join(tmp, "out_resize_small");
    // Written through B, read through A: the size A serves may be up to attrCacheMs (1 s) old.
    await expect
      .poll(
        async () => {
          rmSync(out, { force: true });
          await tool(b, "xfer", "/resize.bin", input, exportUrl(a), out);
          return firstDifference(readFileSync(out), small);
        },
        { timeout: 30_000, interval: 200 },
      )
      .toBe(-1);
  });

  /** Versioned keys in the bucket, as the sweeper sees them. */
  const bucketKeys = async () => {
    const store = new S3BlockStore({
      bucket: stores.bucket,
      endpoint: s3.endpoint,
      region: s3.region,
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
      forcePathStyle: true,
    });
    try {
      const keys = [];
      for await (const k of store.list("")) {
        const v = parseVersionedKey(k);
        if (v !== null) keys.push(v);
      }
      return keys;
    } finally {
      await store.close();
    }
  };

  it("the sweeper removes superseded versions and a removed file's blocks after the grace period", async () => {
    await tool(a, "mkdir", "/gc");
    const before = new Set((await bucketKeys()).map((k) => k.key));
    await xfer("/gc/kept", false);
    const keptPayload = (await bucketKeys()).find((k) => !before.has(k.key))!.payloadId;
    const blocks = Math.ceil(XFER_BYTES / (4 * 1024 * 1024));
    const rewritten = await xfer("/gc/kept", false, XFER_BYTES, b, a); // supersedes every block
    const gone = new Set((await bucketKeys()).map((k) => k.key));
    await xfer("/gc/gone0", false);
    const goneKeys = (await bucketKeys()).filter((k) => !gone.has(k.key));
    expect(goneKeys.length).toBe(blocks);
    expect(await tool(b, "unlink", "/gc", "gone", "0", "1")).toBe("u");
    const keysOf = async (payloadId: string) =>
      (await bucketKeys()).filter((k) => k.payloadId === payloadId).length;
    await expect.poll(() => keysOf(goneKeys[0]!.payloadId), { timeout: 60_000, interval: 250 }).toBe(0);
    await expect.poll(() => keysOf(keptPayload), { timeout: 60_000, interval: 250 }).toBe(blocks);
    // What is left is what the map names: both daemons still read the rewrite whole.
    for (const d of [a, b]) {
      const { stdout } = await run("nfs-cat", [nfsUrl(d.nfsPort, "/gc/kept")], {
        encoding: "buffer",
        maxBuffer: 1 << 23,
      });
      expect(firstDifference(stdout, rewritten.data), `read through ${d.name}`).toBe(-1);
    }
  }, 120_000);

  /** smbclient against one member's SMB adapter, share `/shared` as `//127.0.0.1/shared`. */
  const smb = (d: DaemonProcess, cmds: string) =>
    run(
      "smbclient",
      ["//127.0.0.1/shared", "-p", String(d.smbPort), "-U", `admin%${ADMIN_PASSWORD}`, "-c", cmds],
      { cwd: tmp },
    ).catch((err: Error & { stdout?: string }) => {
      throw new Error(`smbclient ${cmds} on ${d.name}: ${err.stdout ?? ""}${err.message}\n${d.log()}`);
    });

  it("over SMB: put through A gets whole through B; an overwrite through B gets whole through A", async () => {
    const [one, two] = [randomBytes(XFER_BYTES), randomBytes(XFER_BYTES)];
    writeFileSync(join(tmp, "smb-one"), one);
    writeFileSync(join(tmp, "smb-two"), two);
    // CLOSE commits (shared mode: the blocks are in S3 and the block map in PostgreSQL).
    await smb(a, "put smb-one smb.bin");
    await smb(b, "get smb.bin smb-got-b1");
    expect(firstDifference(readFileSync(join(tmp, "smb-got-b1")), one)).toBe(-1);
    await smb(a, "get smb.bin smb-got-a1"); // A reads it: its cache holds the blocks now
    await smb(b, "put smb-two smb.bin");
    await smb(a, "get smb.bin smb-got-a2");
    expect(firstDifference(readFileSync(join(tmp, "smb-got-a2")), two)).toBe(-1);
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

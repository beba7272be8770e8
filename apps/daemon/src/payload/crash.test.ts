/**
 * Crash test (issue 5): a child process writes seeded random data through PayloadService with
 * commits at random points and is SIGKILLed at a random moment; the same data dir is reopened and
 * every byte acknowledged as durable reads back identical. Iterations chain on one data dir, so
 * each run also starts by replaying what the previous crash left. Seeds are printed; rerun one
 * with DITTOFS_CRASH_SEED=<seed> DITTOFS_CRASH_ITERATIONS=1.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prng, randInt, seedFromEnv } from "../domain/testing/prng.ts";
import { FsBlockStore } from "./block-store/fs.ts";
import { DefaultPayloadService } from "./service.ts";
import {
  CRASH_PAYLOADS,
  type CrashOp,
  crashPayloads,
  crashPlan,
  EXTENT_BYTES,
  opData,
} from "./testing/crash-plan.ts";
import { IntervalSet } from "./testing/interval-set.ts";

const ITERATIONS = Number(process.env.DITTOFS_CRASH_ITERATIONS ?? 50);
const CHILD_SOURCE = fileURLToPath(new URL("./testing/crash-child.ts", import.meta.url));
/** Bundled once per run (our sources only; packages stay external and resolve from node_modules):
 * a plain .mjs starts several times faster than going through the tsx loader for each of 50 kills. */
const CHILD = fileURLToPath(
  new URL("../../../../node_modules/.cache/dittofs/crash-child.mjs", import.meta.url),
);
const SHARE = "/crash";
const dirs: string[] = [];

beforeAll(async () => {
  await build({
    entryPoints: [CHILD_SOURCE],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node24",
    packages: "external",
    outfile: CHILD,
    logLevel: "warning",
  });
});

afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

interface ChildRun {
  reported: Set<number>;
  stderr: string;
}

/** Runs the child and kills it `killAfterMs` after READY (or after spawn when `early`). */
function runChild(dataDir: string, seed: number, killAfterMs: number, early: boolean): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, dataDir, String(seed)], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const reported = new Set<number>();
    let out = "";
    let stderr = "";
    let timer: NodeJS.Timeout | null = null;
    const arm = () => {
      timer ??= setTimeout(() => child.kill("SIGKILL"), killAfterMs);
    };
    if (early) arm();
    child.stdout.setEncoding("utf8").on("data", (s: string) => {
      out += s;
      let nl = out.indexOf("\n");
      while (nl >= 0) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        if (line === "READY") arm();
        else if (line.startsWith("C ")) reported.add(Number(line.slice(2)));
        nl = out.indexOf("\n");
      }
    });
    child.stderr.setEncoding("utf8").on("data", (s: string) => {
      stderr += s;
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (timer !== null) clearTimeout(timer);
      if (signal !== "SIGKILL") reject(new Error(`child exited ${code}: ${stderr}`));
      else resolve({ reported, stderr });
    });
  });
}

function taintFootprint(op: CrashOp, taint: IntervalSet): void {
  if (op.kind === "truncate") taint.add(op.size, EXTENT_BYTES);
  else if (op.kind === "delete") taint.add(0, EXTENT_BYTES);
  else if (op.kind === "write") taint.add(op.off, op.off + op.len);
}

/** The expected content and the bytes whose value is not determined (ops not known durable). */
function expected(
  base: Buffer,
  ops: CrashOp[],
  id: string,
  reported: Set<number>,
): { model: Buffer; taint: IntervalSet } {
  const model = Buffer.from(base);
  const taint = new IntervalSet();
  const lastReported = Math.max(-1, ...reported);
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    if (op.id !== id) continue;
    if (i > lastReported) {
      // Past the last acknowledgement: may or may not have run; only its footprint matters.
      taintFootprint(op, taint);
      continue;
    }
    const durable = reported.has(i);
    if (op.kind === "commit") {
      if (durable) taint.clear();
    } else if (op.kind === "delete") {
      // Durable once a later commit's WAL flush covers it (that commit clears the taint).
      model.fill(0);
      taint.add(0, EXTENT_BYTES);
    } else if (op.kind === "truncate") {
      model.fill(0, op.size);
      if (durable) taint.remove(op.size, EXTENT_BYTES);
      else taint.add(op.size, EXTENT_BYTES);
    } else {
      opData(op).copy(model, op.off);
      if (durable && op.durable) taint.remove(op.off, op.off + op.len);
      else taint.add(op.off, op.off + op.len);
    }
  }
  return { model, taint };
}

async function readState(dataDir: string, ids: readonly string[]): Promise<Map<string, Buffer>> {
  const store = await new FsBlockStore(path.join(dataDir, "blocks")).open();
  const svc = new DefaultPayloadService({
    logger: pino({ level: "silent" }),
    cacheSizeBytes: 64 * 1024 * 1024,
    walDir: path.join(dataDir, "wal"),
    transferConcurrency: 2,
    walSegmentBytesMax: 1024 * 1024,
  });
  try {
    await svc.addShare(SHARE, store);
    const state = new Map<string, Buffer>();
    for (const id of ids) state.set(id, Buffer.from(await svc.readAt(SHARE, id, 0, EXTENT_BYTES)));
    return state;
  } finally {
    await svc.close();
  }
}

/** First determined byte that differs, or -1; also how many bytes were compared. */
function firstMismatch(actual: Buffer, model: Buffer, taint: IntervalSet): { bad: number; checked: number } {
  let checked = 0;
  for (const [a, b] of taint.gaps(EXTENT_BYTES)) {
    checked += b - a;
    if (actual.subarray(a, b).equals(model.subarray(a, b))) continue;
    for (let i = a; i < b; i++) if (actual[i] !== model[i]) return { bad: i, checked };
  }
  return { bad: -1, checked };
}

describe("crash safety", () => {
  it(`keeps every committed byte across ${ITERATIONS} SIGKILLs at random moments`, async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "dittofs-crash-"));
    dirs.push(dataDir);
    const baseSeed = seedFromEnv("DITTOFS_CRASH_SEED");
    console.log(`crash test base seed=${baseSeed} iterations=${ITERATIONS}`);
    let state = new Map<string, Buffer>(CRASH_PAYLOADS.map((id) => [id, Buffer.alloc(EXTENT_BYTES)]));
    let checkedBytes = 0;
    let durableOps = 0;
    for (let iter = 0; iter < ITERATIONS; iter++) {
      const seed = baseSeed + iter;
      const rnd = prng(seed ^ 0x5bd1e995);
      const early = rnd() < 0.1;
      const killAfterMs = early ? randInt(rnd, 0, 600) : randInt(rnd, 0, 400);
      const t0 = performance.now();
      const run = await runChild(dataDir, seed, killAfterMs, early);
      const t1 = performance.now();
      const ops = crashPlan(seed);
      const actual = await readState(dataDir, crashPayloads(seed));
      const t2 = performance.now();
      for (const id of crashPayloads(seed)) {
        // The run's new file starts empty; the others continue from the previous run.
        const base = state.get(id) ?? Buffer.alloc(EXTENT_BYTES);
        const { model, taint } = expected(base, ops, id, run.reported);
        const { bad, checked } = firstMismatch(actual.get(id)!, model, taint);
        if (bad >= 0) {
          console.log(`crash seed=${seed} payload=${id} first bad byte ${bad}; child stderr:\n${run.stderr}`);
        }
        expect(bad, `seed ${seed} payload ${id}`).toBe(-1);
        checkedBytes += checked;
      }
      durableOps += run.reported.size;
      if (process.env.DITTOFS_CRASH_TIMING)
        console.log(
          `iter ${iter} child ${(t1 - t0).toFixed(0)}ms verify ${(t2 - t1).toFixed(0)}ms check ${(performance.now() - t2).toFixed(0)}ms kill@${killAfterMs} early=${early} acked=${run.reported.size}`,
        );
      state = actual;
    }
    console.log(`crash test: ${durableOps} durable ops acknowledged, ${checkedBytes} bytes checked`);
    // The test must actually exercise acknowledged data, not only kills before the first commit.
    expect(durableOps).toBeGreaterThan(ITERATIONS);
  }, 300_000);
});

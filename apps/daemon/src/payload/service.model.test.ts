/**
 * Randomized, seeded model test of the whole engine: writes (sequential, random, concurrent
 * bursts), reads, truncates, deletes and commits against flat buffers, with a cache small enough
 * to force eviction and backpressure and a flaky block store (puts/deletes fail at random and are
 * retried). Files are also replaced by new ones (write-once) and written in streams of whole
 * blocks, which write-behind stages as they are written (published, or discarded when
 * flattened, truncated or deleted first; a flaky staging write falls back to a whole put). Every read must equal the model.
 * Writes arrive as received frames do, in memory from a pool that reuses (and poisons) what the
 * engine gives back (domain/buffer-pool.ts), so a frame reused while anything still reads it shows
 * up as a wrong read. Some reads are held as a READ reply holds them (`readPartsNow` with `hold`)
 * over later steps and compared again when let go. Rerun with DITTOFS_SEED=<seed>.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { BufferPool, releaseAll } from "../domain/buffer-pool.ts";
import { isFsError } from "../domain/errors.ts";
import { prng, randInt, randomFill, seedFromEnv } from "../domain/testing/prng.ts";
import { FsBlockStore } from "./block-store/fs.ts";
import { DefaultPayloadService } from "./service.ts";
import { FaultyBlockStore } from "./testing/faulty-store.ts";
import { writeFrame as writeReceived } from "./testing/frames.ts";

const MiB = 1024 * 1024;
const BLOCK = 4 * MiB;
const EXTENT = 10 * MiB + 333;
const IDS = ["m0", "m1", "m2"];
const S = "/model";
const dirs: string[] = [];

afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

interface World {
  log: string[];
  /** The files in play: IDS at first, some replaced by new files (newFile). */
  ids: string[];
  newFiles: number;
  svc: DefaultPayloadService;
  models: Map<string, Buffer>;
  ends: Map<string, number>;
  rnd: () => number;
  pool: BufferPool;
  /** Held reads (a READ reply not written yet): the parts and the bytes they must still show. */
  held: { parts: Buffer[]; want: Buffer; what: string }[];
}

/** A read held as an NFS/SMB READ reply holds it, until `letGo` compares and releases it. */
async function holdRead(w: World, id: string, a: number, len: number): Promise<void> {
  const parts = await w.svc.readPartsNow(S, id, a, len, true);
  const want = Buffer.from(w.models.get(id)!.subarray(a, a + len));
  const what = `held read ${id} [${a}, ${a + len})`;
  w.held.push({ parts, want, what });
  w.log.push(what);
}

/** The oldest held read (all with `all`): its bytes unchanged (a frame reused early is poisoned), then let go. */
function letGo(w: World, all = false): void {
  while (w.held.length > 0) {
    const h = w.held.shift()!;
    const got = Buffer.concat(h.parts);
    // The model is zero past the payload's end; a held read never sees the sparse-tail zeros.
    expect(got.equals(h.want.subarray(0, got.length)), `${h.what} changed while held`).toBe(true);
    releaseAll(h.parts);
    if (!all) return;
  }
}

/** `data` written as a received frame (testing/frames.ts). */
function writeFrame(w: World, id: string, off: number, data: Buffer, stable = false): Promise<void> {
  return writeReceived(w.svc, w.pool, S, id, off, data, stable ? "file_sync" : "unstable");
}

function pickWrite(w: World, id: string): { off: number; data: Buffer } {
  const len = randInt(w.rnd, 1, w.rnd() < 0.7 ? 32 * 1024 : 1536 * 1024);
  const end = w.ends.get(id)!;
  const off = w.rnd() < 0.5 && end + len <= EXTENT ? end : randInt(w.rnd, 0, EXTENT - len);
  return { off, data: randomFill(w.rnd, Buffer.allocUnsafe(len)) };
}

function applyModel(w: World, id: string, off: number, data: Buffer): void {
  data.copy(w.models.get(id)!, off);
  w.ends.set(id, off + data.length);
}

/** A file deleted and a new one created in its place (PayloadService.created: write-once). */
async function newFile(w: World, slot: number): Promise<void> {
  const old = w.ids[slot]!;
  await w.svc.delete(S, old);
  w.models.delete(old);
  const id = `n${w.newFiles++}`;
  w.svc.created(S, id);
  w.ids[slot] = id;
  w.models.set(id, Buffer.alloc(EXTENT));
  w.ends.set(id, 0);
  w.log.push(`delete ${old}, new file ${id}`);
  // Mostly written in order from the start, as new files are: a stream into an untouched block.
  if (w.rnd() < 0.7) await stream(w, id);
}

/**
 * One whole block written in order in writes of 1 MiB or 64-512 KiB: in a new file's untouched
 * block write-behind stages each write as it comes; a pause lets the stage run before later steps.
 */
async function stream(w: World, id: string): Promise<void> {
  const block = randInt(w.rnd, 0, Math.floor(EXTENT / BLOCK) - 1);
  for (let off = block * BLOCK; off < (block + 1) * BLOCK; ) {
    const len = Math.min(
      (block + 1) * BLOCK - off,
      w.rnd() < 0.6 ? MiB : randInt(w.rnd, 64 * 1024, 512 * 1024),
    );
    const data = randomFill(w.rnd, Buffer.allocUnsafe(len));
    await writeFrame(w, id, off, data);
    applyModel(w, id, off, data);
    off += len;
  }
  w.log.push(`stream ${id} block ${block}`);
  await new Promise((res) => setTimeout(res, randInt(w.rnd, 0, 20)));
  if (w.rnd() < 0.4) await close(w, id); // as smbclient closes after its put: the block is sealed
}

/** Whether `call` failed with EIO (a COMMIT whose puts keep failing); any other error is thrown. */
function failsWithEio(call: Promise<void>): Promise<boolean> {
  return call.then(
    () => false,
    (e: unknown) => {
      if (!isFsError(e, "EIO")) throw e;
      return true;
    },
  );
}

/** An SMB CLOSE: blocks sealed (a fallback commit may fail as a COMMIT does); the content is unchanged. */
async function close(w: World, id: string): Promise<void> {
  const failed = await failsWithEio(w.svc.closeFile(S, id));
  w.log.push(failed ? `close ${id} EIO` : `close ${id}`);
}

async function step(w: World): Promise<void> {
  const slot = randInt(w.rnd, 0, w.ids.length - 1);
  const id = w.ids[slot]!;
  const r = w.rnd();
  if (r < 0.02) await newFile(w, slot);
  else if (r < 0.06) await stream(w, id);
  else if (r < 0.45) {
    const { off, data } = pickWrite(w, id);
    await writeFrame(w, id, off, data, w.rnd() < 0.05);
    applyModel(w, id, off, data);
    w.log.push(`write ${id} [${off}, ${off + data.length})`);
  } else if (r < 0.55) {
    // A burst of concurrent writes to distinct payloads (no overlap, so the order is free).
    const burst = w.ids.map((bid) => ({ bid, ...pickWrite(w, bid) }));
    await Promise.all(burst.map((b) => writeFrame(w, b.bid, b.off, b.data)));
    for (const b of burst) applyModel(w, b.bid, b.off, b.data);
    for (const b of burst) w.log.push(`burst ${b.bid} [${b.off}, ${b.off + b.data.length})`);
  } else if (r < 0.8) {
    const a = randInt(w.rnd, 0, EXTENT - 1);
    const len = randInt(w.rnd, 1, Math.min(EXTENT - a, 3 * MiB));
    if (w.rnd() < 0.4) {
      await holdRead(w, id, a, len);
      if (w.held.length > 6) letGo(w);
      return;
    }
    const got = await w.svc.readAt(S, id, a, len);
    const want = w.models.get(id)!.subarray(a, a + len);
    if (!got.equals(want)) {
      let i = 0;
      while (got[i] === want[i]) i++;
      const at = a + i;
      const tail = w.log
        .filter((l) => l.includes(id))
        .slice(-Number(process.env.DITTOFS_MODEL_LOG ?? 25))
        .join("\n");
      throw new Error(
        `read ${id} [${a}, ${a + len}) differs at ${at} (got ${got[i]} want ${want[i]}); ops:\n${tail}`,
      );
    }
  } else if (r < 0.86) {
    const size = randInt(w.rnd, 0, EXTENT);
    await w.svc.truncate(S, id, size);
    w.models.get(id)!.fill(0, size);
    w.ends.set(id, size);
    w.log.push(`truncate ${id} ${size}`);
  } else if (r < 0.88) {
    await w.svc.delete(S, id);
    w.models.get(id)!.fill(0);
    w.ends.set(id, 0);
    w.log.push(`delete ${id}`);
  } else if (r < 0.9) {
    await close(w, id);
  } else if (r < 0.95) {
    // A COMMIT whose puts fail several times in a row returns EIO (uploads.ts storeNow); the data
    // stays cached and uploading, so reads still see it.
    const failed = await failsWithEio(w.svc.commit(S, id));
    w.log.push(failed ? `commit ${id} EIO` : `commit ${id}`);
  } else {
    await new Promise((res) => setTimeout(res, randInt(w.rnd, 0, 40)));
  }
}

describe("PayloadService against a flat-buffer model", () => {
  // One random seed per CI run (printed). DITTOFS_MODEL_RUNS=N runs N seeds in a row (seed,
  // seed+1, ...); stress with DITTOFS_MODEL_FLAKY=0.2 DITTOFS_MODEL_CACHE_MIB=6. A failure names
  // its seed: rerun it until it reproduces, then pin the interleaving in share-payload.test.ts.
  const runs = Number(process.env.DITTOFS_MODEL_RUNS ?? 1);
  it(
    "agrees with the model under eviction, backpressure and a flaky store (seeded)",
    async () => {
      const first = seedFromEnv("DITTOFS_SEED");
      for (let k = 0; k < runs; k++) await runModel(first + k);
    },
    120_000 * runs,
  );
});

async function runModel(seed: number): Promise<void> {
  console.log(`service model seed=${seed}`);
  const dir = await mkdtemp(path.join(os.tmpdir(), "dittofs-model-"));
  dirs.push(dir);
  const store = new FaultyBlockStore(await new FsBlockStore(path.join(dir, "blocks")).open());
  store.flakiness = Number(process.env.DITTOFS_MODEL_FLAKY ?? 0.05);
  const mk = () =>
    new DefaultPayloadService({
      logger: pino({ level: "silent" }),
      cacheSizeBytes: Number(process.env.DITTOFS_MODEL_CACHE_MIB ?? 8) * MiB,
      walDir: path.join(dir, "wal"),
      transferConcurrency: 2,
      walSegmentBytesMax: 2 * MiB,
      idleUploadMs: 20,
    });
  const w: World = {
    log: [],
    ids: [...IDS],
    newFiles: 0,
    svc: mk(),
    models: new Map(IDS.map((id) => [id, Buffer.alloc(EXTENT)])),
    ends: new Map(IDS.map((id) => [id, 0])),
    rnd: prng(seed),
    pool: new BufferPool(16 * MiB, true),
    held: [],
  };
  await w.svc.addShare(S, store);
  for (let i = 0; i < 500; i++) {
    await step(w);
    if (i === 250 && process.env.DITTOFS_MODEL_NO_RESTART === undefined) {
      // A clean restart halfway: the new service starts from the WAL and the block store.
      await w.svc.close();
      w.svc = mk();
      await w.svc.addShare(S, store);
    }
  }
  for (const id of w.ids) expect((await w.svc.readAt(S, id, 0, EXTENT)).equals(w.models.get(id)!)).toBe(true);
  letGo(w, true);
  const st = w.svc.stats();
  const pc = w.pool.counters;
  console.log(
    `model test: evictions=${st.cache.evictions} failures=${st.transfer.failures} stages=${store.stages} publishes=${store.publishes} seals=${store.seals} frames allocated=${pc.allocated} reused=${pc.reused}`,
  );
  expect(pc.overReleased).toBe(0);
  await w.svc.close();
}

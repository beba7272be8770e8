/**
 * Write-behind on an fs store (transfer/write-behind.ts, docs/payload.md "Write-behind"): a new
 * file's writes go into their block's staging file as they arrive, and a COMMIT only publishes
 * (fdatasync, rename) what is staged. Counted at the store: staging files and their writes,
 * publishes, whole puts. The SIGKILL side is in crash.test.ts.
 */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { prng, randomFill } from "../domain/testing/prng.ts";
import { parseSealed } from "./block-store/fs-sealed.ts";
import type { DefaultPayloadService } from "./service.ts";
import type { FaultyBlockStore } from "./testing/faulty-store.ts";
import { openFsService } from "./testing/fs-service.ts";
import { listKeys, waitFor } from "./testing/wait.ts";
import { STAGE_BACKLOG_BYTES_MAX } from "./transfer/stage-backlog.ts";

/** Bytes checksummed with CRC32C (WAL records, seals), counted to see which step computes them. */
const crc = vi.hoisted(() => ({ bytes: 0 }));
vi.mock("@node-rs/crc32", async (original) => {
  const m = await original<typeof import("@node-rs/crc32")>();
  return {
    ...m,
    crc32c: (b: Buffer, from?: number) => {
      crc.bytes += b.length;
      return m.crc32c(b, from);
    },
  };
});

const MiB = 1024 * 1024;
const S = "/wb";
let dir: string;
const services: DefaultPayloadService[] = [];

async function open(
  walDir = path.join(dir, "wal"),
): Promise<{ svc: DefaultPayloadService; store: FaultyBlockStore }> {
  const opened = await openFsService(dir, S, walDir, 96 * MiB);
  services.push(opened.svc);
  return opened;
}

const bytes = (n: number, seed: number) => randomFill(prng(seed), Buffer.allocUnsafe(n));

/** Temp files in the block store (puts in flight, staging files). */
async function tempFiles(): Promise<number> {
  const entries = await readdir(path.join(dir, "blocks"), { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() && e.name.startsWith(".tmp-")).length;
}

/** Files a CLOSE sealed (fs-sealed.ts names: not temp names). */
async function sealedFiles(): Promise<number> {
  const entries = await readdir(path.join(dir, "blocks", ".tmp-staging"), {
    recursive: true,
    withFileTypes: true,
  });
  return entries.filter((e) => e.isFile() && !e.name.startsWith(".tmp-")).length;
}

/** The files a CLOSE sealed, each checked to hold the length and CRC32C its name says. */
async function checkedSealed(): Promise<string[]> {
  const { crc32c } = await vi.importActual<typeof import("@node-rs/crc32")>("@node-rs/crc32");
  const root = path.join(dir, "blocks", ".tmp-staging");
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const keys: string[] = [];
  for (const e of entries.filter((x) => x.isFile() && !x.name.startsWith(".tmp-"))) {
    const sealed = parseSealed(e.name)!;
    const data = await readFile(path.join(e.parentPath, e.name));
    expect(data.length).toBe(sealed.length);
    expect(crc32c(data) >>> 0).toBe(sealed.crc);
    keys.push(sealed.key);
  }
  return keys.sort();
}

async function expectStored(store: FaultyBlockStore, id: string, all: Buffer): Promise<void> {
  for (let b = 0; b * 4 * MiB < all.length; b++) {
    const want = all.subarray(b * 4 * MiB, Math.min(all.length, (b + 1) * 4 * MiB));
    expect((await store.inner.get(`${id}/chunk-0/block-${b}`)).equals(want)).toBe(true);
  }
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "dittofs-write-behind-"));
});
afterEach(async () => {
  for (const s of services.splice(0)) await s.close();
  await rm(dir, { recursive: true, force: true });
});

describe("write-behind on an fs store", () => {
  it("stages each frame as it arrives; COMMIT only publishes, the partial tail too", async () => {
    const { svc, store } = await open();
    svc.created(S, "wb");
    const frames = Array.from({ length: 13 }, (_, i) => bytes(MiB, 10 + i)); // blocks 0-2 whole, 1 MiB of 3
    for (const [i, f] of frames.entries()) {
      await svc.writeAt(S, "wb", i * MiB, f);
      // In its staging file before the block is complete (before: only once the block was).
      await waitFor(() => store.stageWrites === i + 1, `frame ${i} staged`);
    }
    // On disk under temp names only, unsynced: no key, so no reader (nor a restart) takes them for data.
    expect(store.stages).toBe(4);
    expect(await tempFiles()).toBe(4);
    expect(await listKeys(store)).toEqual([]);
    const { svc: restarted } = await open(path.join(dir, "wal-restarted"));
    expect((await restarted.readAt(S, "wb", 0, MiB)).equals(Buffer.alloc(MiB))).toBe(true);
    await svc.commit(S, "wb");
    expect(store.publishes).toBe(4);
    expect(store.puts).toBe(4); // each publish counts as a put: no block was written whole
    expect(store.stageWrites).toBe(13);
    expect(await tempFiles()).toBe(0);
    await expectStored(store, "wb", Buffer.concat(frames));
  });

  it("a small new file gets no staging file: its upload after the COMMIT puts the block whole", async () => {
    const { svc, store } = await open();
    svc.created(S, "small");
    const data = bytes(4096, 40);
    await svc.writeAt(S, "small", 0, data);
    await svc.commit(S, "small"); // journals the few bytes (write-once.ts journalSmall)
    await waitFor(async () => (await listKeys(store)).length === 1, "the block put after the COMMIT");
    // Before: the write began a staging file, which the upload wrote, fdatasynced and renamed.
    expect([store.puts, store.stages, store.stageWrites, store.publishes]).toEqual([1, 0, 0, 0]);
    expect(await tempFiles()).toBe(0);
    await expectStored(store, "small", data);
  });

  it("a block completed out of order is staged whole and published", async () => {
    const { svc, store } = await open();
    svc.created(S, "ooo");
    const all = bytes(4 * MiB, 50);
    for (const i of [3, 1, 0, 2]) await svc.writeAt(S, "ooo", i * MiB, all.subarray(i * MiB, (i + 1) * MiB));
    // Before: only a block completed by the write that ended at its end was staged.
    await waitFor(() => store.stageWrites === 4, "every frame staged, one file");
    expect(store.stages).toBe(1);
    await svc.commit(S, "ooo");
    expect(store.publishes).toBe(1);
    expect(store.puts).toBe(1);
    await expectStored(store, "ooo", all);
  });

  it("a rewrite of a staged range lands over it in order and the block is still published", async () => {
    const { svc, store } = await open();
    svc.created(S, "re");
    const all = bytes(4 * MiB, 30);
    await svc.writeAt(S, "re", 0, all.subarray(0, 2 * MiB));
    await svc.writeAt(S, "re", 2 * MiB, all.subarray(2 * MiB));
    await waitFor(() => store.stageWrites === 2, "the block staged");
    const frame = bytes(512 * 1024, 31); // adopted: staged at once, over bytes already staged
    await svc.writeAt(S, "re", MiB + 100, frame);
    frame.copy(all, MiB + 100);
    const patch = bytes(4096, 32); // copied and small: staged since the block is complete
    await svc.writeAt(S, "re", MiB + 8192, patch);
    patch.copy(all, MiB + 8192);
    await svc.commit(S, "re");
    expect(store.publishes).toBe(1);
    expect(store.puts).toBe(1);
    await expectStored(store, "re", all);
  });

  it("a failed staging write falls back to a whole put; truncated and deleted stages are removed", async () => {
    const { svc, store } = await open();
    for (const id of ["f", "t", "gone"]) svc.created(S, id);
    const f = bytes(4 * MiB, 40);
    await svc.writeAt(S, "f", 0, f.subarray(0, MiB));
    await waitFor(() => store.stageWrites === 1, "first frame staged");
    store.failStages = true;
    await svc.writeAt(S, "f", MiB, f.subarray(MiB));
    await waitFor(async () => (await tempFiles()) === 0, "the broken stage removed");
    store.failStages = false;
    const t = bytes(2 * MiB, 41);
    await svc.writeAt(S, "t", 0, t);
    await svc.writeAt(S, "gone", 0, bytes(4 * MiB, 42));
    await waitFor(() => store.stages === 3, "t and gone staged");
    await svc.truncate(S, "t", MiB + 5);
    await svc.delete(S, "gone");
    await waitFor(async () => (await tempFiles()) === 0, "the truncated and the deleted stage removed");
    expect(await listKeys(store, "gone/")).toEqual([]);
    await svc.commit(S, "f");
    await svc.commit(S, "t");
    expect(store.publishes).toBe(0);
    await expectStored(store, "f", f);
    expect((await svc.readAt(S, "t", 0, MiB + 5)).equals(t.subarray(0, MiB + 5))).toBe(true);
    expect((await svc.readAt(S, "t", MiB + 5, 100)).equals(Buffer.alloc(100))).toBe(true);
  });

  it("a file a CLOSE sealed is not published after a truncate, even when the cut slice grows back", async () => {
    // A truncate keeps the block's sealed file (a restart adopts it, then replays the TRUNCATE) and
    // cuts its last slice in place; a write at the cut then grows that same slice back to its
    // sealed length with new bytes. The upload found the file holding "exactly the frozen slices"
    // (same slices, same lengths) and published it: the key got the old bytes past the cut, which
    // a read returned once the cache had evicted the block.
    const { svc, store } = await open();
    svc.created(S, "c");
    const all = bytes(4 * MiB, 60);
    for (let i = 0; i < 4; i++) await svc.writeAt(S, "c", i * MiB, all.subarray(i * MiB, (i + 1) * MiB));
    await svc.closeFile(S, "c");
    expect(store.seals).toBe(1);
    const cut = 4 * MiB - 64 * 1024;
    const tail = bytes(64 * 1024, 61); // copied (not adopted): extends the cut slice in place
    // Both applied before anything else runs: no upload freezes the cut slice in between (the
    // truncate's GC schedules one), so the write extends it.
    const truncated = svc.truncate(S, "c", cut);
    const written = svc.writeAt(S, "c", cut, tail);
    await Promise.all([truncated, written]);
    tail.copy(all, cut);
    await svc.flushAll();
    await waitFor(() => svc.stats().cache.dirtyBytes + svc.stats().cache.uploadingBytes === 0, "uploads");
    await expectStored(store, "c", all);
    expect(store.publishes).toBe(0); // the sealed file was removed once the block was put whole
  });

  it("a write during a CLOSE's seal leaves the sealed file alone", async () => {
    // The seal's rename was in flight and the stage still on the entry: a WRITE to the block started
    // the stage's write loop, its write into the sealed file failed ("sealed"), and the failure
    // discarded the stage, which removed the sealed file. A kill then lost what the CLOSE had
    // acknowledged (docs/payload.md "CLOSE").
    const { svc, store } = await open();
    svc.created(S, "s");
    const frames = Array.from({ length: 4 }, (_, i) => bytes(MiB, 70 + i)); // adopted: staged as they come
    for (const [i, f] of frames.entries()) {
      await svc.writeAt(S, "s", i * MiB, f);
      await waitFor(() => store.stageWrites === i + 1, `frame ${i} staged`);
    }
    const all = Buffer.concat(frames);
    store.hold();
    const closing = svc.closeFile(S, "s");
    const frame = bytes(MiB, 79); // adopted: due for the staging file at once
    try {
      await waitFor(() => store.heldStageCalls === 1, "the seal in flight");
      await svc.writeAt(S, "s", 0, frame);
      expect(store.heldStageCalls).toBe(1); // nothing more is written into the file being sealed
    } finally {
      store.release();
    }
    await closing;
    await store.flush(); // waits for removals of sealed files in flight
    expect(await sealedFiles()).toBe(1);
    frame.copy(all, 0);
    await svc.commit(S, "s");
    await expectStored(store, "s", all);
  });

  it("a CLOSE of streamed blocks checksums nothing: the CRC32C was kept as the frames were staged", async () => {
    const { svc, store } = await open();
    svc.created(S, "k");
    const all = bytes(6 * MiB, 80);
    for (let i = 0; i < 6; i++) {
      await svc.writeAt(S, "k", i * MiB, all.subarray(i * MiB, (i + 1) * MiB));
      await waitFor(() => store.stageWrites === i + 1, `frame ${i} staged`);
    }
    const before = crc.bytes;
    await svc.closeFile(S, "k");
    expect(crc.bytes - before).toBe(0); // before: the CLOSE read all 6 MiB again for the names
    expect(await checkedSealed()).toEqual(["k/chunk-0/block-0", "k/chunk-0/block-1"]);
    // Written out of order (frame 1 after frame 2) and rewritten: the seal checksums the slices.
    svc.created(S, "o");
    const o = bytes(4 * MiB, 81);
    for (const i of [0, 2, 1, 3]) await svc.writeAt(S, "o", i * MiB, o.subarray(i * MiB, (i + 1) * MiB));
    const again = bytes(MiB, 82);
    await svc.writeAt(S, "o", MiB, again);
    again.copy(o, MiB);
    await svc.closeFile(S, "o");
    expect(await checkedSealed()).toEqual(["k/chunk-0/block-0", "k/chunk-0/block-1", "o/chunk-0/block-0"]);
    await svc.commit(S, "o");
    await expectStored(store, "o", o);
  });

  it("a CLOSE during a block's upload waits for it and seals the other blocks, putting nothing", async () => {
    // The idle scan catches a long put's first blocks: a CLOSE then found a block it could not seal
    // (its upload had taken the staging file) and committed the whole payload, a put with an
    // fdatasync of every block.
    const { svc, store } = await open();
    svc.created(S, "u");
    const all = bytes(8 * MiB, 90);
    const write = (i: number) => svc.writeAt(S, "u", i * MiB, all.subarray(i * MiB, (i + 1) * MiB));
    for (let i = 0; i < 4; i++) await write(i);
    store.holdPuts();
    let closing: Promise<void> | undefined;
    try {
      void svc.flushAll(); // block 0's upload starts, as the idle scan's would, and waits at its publish
      await waitFor(() => store.heldPuts === 1, "block 0's publish held");
      for (let i = 4; i < 8; i++) await write(i);
      closing = svc.closeFile(S, "u");
      await waitFor(() => store.seals === 1, "block 1 sealed");
    } finally {
      store.releasePuts();
    }
    await closing;
    expect(store.publishes).toBe(1); // block 0's upload: the CLOSE put nothing (before: 2)
    expect(await checkedSealed()).toEqual(["u/chunk-0/block-1"]); // for a restart to adopt
    await svc.commit(S, "u");
    await expectStored(store, "u", all);
  });

  it("a CLOSE never seals a block the store holds, even once its base was evicted", async () => {
    // A write during an upload stays unjournaled (the block was empty when it came); the upload
    // then stores the block's first bytes, and cache pressure evicts that base. Sealing the rest
    // then made a file a restart never adopts (its key exists: fs-adopt.ts counts it stale), so a
    // kill after the CLOSE lost the write (crash.test seed 376398356, first bad byte at the last
    // write of a streamed block).
    const opened = await openFsService(dir, S, path.join(dir, "wal"), 8 * MiB);
    services.push(opened.svc);
    const { svc, store } = opened;
    const other = bytes(12 * MiB, 96);
    await svc.writeAt(S, "other", 0, other);
    await svc.commit(S, "other");
    svc.created(S, "ev");
    const all = bytes(3 * MiB, 95);
    await svc.writeAt(S, "ev", 0, all.subarray(0, 2 * MiB));
    store.holdPuts();
    let flushing: Promise<void> | undefined;
    try {
      flushing = svc.flushAll(); // block 0's upload starts and waits at its publish
      await waitFor(() => store.heldPuts === 1, "block 0's publish held");
      await svc.writeAt(S, "ev", 2 * MiB, all.subarray(2 * MiB)); // unjournaled, after the freeze
    } finally {
      store.releasePuts();
    }
    await flushing;
    await waitFor(() => svc.stats().transfer.uploadsInFlight === 0, "the upload settled");
    const evictions = svc.stats().cache.evictions;
    // Reading 12 MiB of another file through an 8 MiB cache evicts block 0's stored base (clean),
    // not its written slice.
    expect((await svc.readAt(S, "other", 0, 12 * MiB)).equals(other)).toBe(true);
    expect(svc.stats().cache.evictions).toBeGreaterThan(evictions);
    const seals = store.seals;
    await svc.closeFile(S, "ev");
    expect(store.seals).toBe(seals); // committed instead (before: a sealed file of block 0)
    expect(await checkedSealed()).not.toContain("ev/chunk-0/block-0");
    await expectStored(store, "ev", all);
  });

  it("a CLOSE during an upload that keeps failing commits, and fails as the COMMIT does", async () => {
    const { svc, store } = await open();
    svc.created(S, "x");
    for (let i = 0; i < 4; i++) await svc.writeAt(S, "x", i * MiB, bytes(MiB, 95 + i));
    store.holdPuts();
    let closing: Promise<void> | undefined;
    try {
      void svc.flushAll();
      await waitFor(() => store.heldPuts === 1, "the publish held");
      store.failPuts = true;
      closing = svc.closeFile(S, "x");
    } finally {
      store.releasePuts();
    }
    // Not a wait without end for an upload that retries until the disk is mended.
    await expect(closing).rejects.toMatchObject({ code: "EIO" });
    store.failPuts = false;
  });

  it("a writer waits while the disk is behind on the staging files, and goes on once it catches up", async () => {
    const { svc, store } = await open();
    svc.created(S, "bp");
    store.hold(); // the disk stops: stage writes (and puts) wait
    try {
      // 8 MiB writes (smbclient's): each block's 4 MiB is one staging write, handed to the store.
      const n = STAGE_BACKLOG_BYTES_MAX / (8 * MiB);
      for (let i = 0; i < n; i++) await svc.writeAt(S, "bp", i * 8 * MiB, bytes(8 * MiB, i));
      let done = false;
      const over = svc.writeAt(S, "bp", n * 8 * MiB, bytes(8 * MiB, n)).then(() => {
        done = true;
      });
      await new Promise((r) => setTimeout(r, 50));
      expect(done).toBe(false);
      store.release();
      await over;
      await svc.commit(S, "bp");
      expect(store.publishes).toBe(2 * (n + 1));
    } finally {
      store.release();
    }
  });

  it("counts 1 MiB frames waiting behind their block's staging write in the writer's bound", async () => {
    const { svc, store } = await open();
    svc.created(S, "bp1");
    store.hold(); // each block's first staging write is held: the block's later frames queue behind it
    try {
      // NFS's 1 MiB WRITEs: exactly the bound is not in the files, then one frame more.
      const n = STAGE_BACKLOG_BYTES_MAX / MiB;
      for (let i = 0; i < n; i++) await svc.writeAt(S, "bp1", i * MiB, bytes(MiB, i));
      let done = false;
      const over = svc.writeAt(S, "bp1", n * MiB, bytes(MiB, n)).then(() => {
        done = true;
      });
      await new Promise((r) => setTimeout(r, 50));
      // Before, only each block's first frame counted (8 of 32 MiB): this write went on, and a
      // writer got up to four times the bound ahead of the disk.
      expect(done).toBe(false);
      store.release();
      await over;
      await svc.commit(S, "bp1");
      expect(store.publishes).toBe((n + 4) / 4);
    } finally {
      store.release();
    }
  });
});

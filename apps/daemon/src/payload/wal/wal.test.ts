import { constants } from "node:fs";
import { mkdtemp, open, readdir, readFile, readlink, rm, stat, truncate, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { RecordKind, WAL_HEADER_BYTES, type WalRecord } from "./format.ts";
import { FileWal } from "./wal.ts";

const logger = pino({ level: "silent" });
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "dittofs-wal-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function openCollecting(segmentBytesMax?: number): Promise<{ wal: FileWal; records: WalRecord[] }> {
  const records: WalRecord[] = [];
  const wal = await FileWal.open({
    dir,
    logger,
    segmentBytesMax,
    replay: (r) => {
      records.push({ ...r, data: Buffer.from(r.data) });
    },
  });
  return { wal, records };
}

const id = Buffer.from("payload-1");
/** Size of one record writeRecords() appends. */
const RECORD_BYTES = WAL_HEADER_BYTES + id.length + 100;

async function writeRecords(n: number, segmentBytesMax?: number): Promise<void> {
  const { wal } = await openCollecting(segmentBytesMax);
  for (let i = 0; i < n; i++) await wal.append(RecordKind.WRITE, id, i * 100, Buffer.alloc(100, i));
  await wal.sync();
  await wal.close();
}

async function segmentFiles(): Promise<string[]> {
  return (await readdir(dir)).filter((n) => n.endsWith(".wal")).sort();
}

describe("FileWal", () => {
  it("replays every record in order after a restart", async () => {
    await writeRecords(5);
    const { wal, records } = await openCollecting();
    expect(records.map((r) => r.offset)).toEqual([0, 100, 200, 300, 400]);
    expect(records[3]!.data.equals(Buffer.alloc(100, 3))).toBe(true);
    expect(records.every((r) => r.payloadId === "payload-1" && r.kind === RecordKind.WRITE)).toBe(true);
    await wal.close();
  });

  it("stops at a torn tail and keeps the records before it", async () => {
    await writeRecords(5);
    const seg = path.join(dir, (await segmentFiles())[0]!);
    await truncate(seg, 5 * RECORD_BYTES - 30); // cut into the last record's data
    const { wal, records } = await openCollecting();
    expect(records.length).toBe(4);
    // Later appends follow the good prefix: a second restart sees 4 + 1 records.
    await wal.append(RecordKind.TRUNCATE, id, 7, null);
    await wal.sync();
    await wal.close();
    const again = await openCollecting();
    expect(again.records.map((r) => r.kind)).toEqual([1, 1, 1, 1, RecordKind.TRUNCATE]);
    await again.wal.close();
  });

  it("zero-fills past small batches and replays the zeros as a clean end, also before a later segment", async () => {
    await writeRecords(5);
    const first = path.join(dir, (await segmentFiles())[0]!);
    // Preallocated: later small records overwrite allocated blocks (fdatasync without a new size).
    expect((await stat(first)).size).toBeGreaterThanOrEqual(5 * RECORD_BYTES + 512 * 1024);
    const { wal, records } = await openCollecting();
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    await wal.append(RecordKind.TRUNCATE, id, 9, null);
    await wal.sync();
    await wal.close();
    // The first segment, zero tail and all, is followed by the one the reopen started.
    const again = await openCollecting();
    expect(again.records.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect((await readdir(dir)).some((n) => n.endsWith(".corrupt"))).toBe(false);
    await again.wal.close();
  });

  it("a record torn into the zero fill is a torn tail, not damage", async () => {
    await writeRecords(5);
    const seg = path.join(dir, (await segmentFiles())[0]!);
    const buf = await readFile(seg);
    buf.fill(0, 5 * RECORD_BYTES - 30, 5 * RECORD_BYTES); // the last record's end never reached the disk
    await writeFile(seg, buf);
    const { wal, records } = await openCollecting();
    expect(records.length).toBe(4);
    expect((await readdir(dir)).some((n) => n.endsWith(".corrupt"))).toBe(false);
    await wal.close();
  });

  it("detects a flipped bit in data or header and keeps earlier records", async () => {
    for (const where of ["data", "header"] as const) {
      await rm(dir, { recursive: true, force: true });
      await writeRecords(5);
      const seg = path.join(dir, (await segmentFiles())[0]!);
      const buf = await readFile(seg);
      const at = 2 * RECORD_BYTES + (where === "data" ? WAL_HEADER_BYTES + id.length + 50 : 20);
      buf[at]! ^= 0x10;
      await writeFile(seg, buf);
      const { wal, records } = await openCollecting();
      expect(records.length, where).toBe(2);
      // The damaged segment is kept aside for an operator; it is never replayed again.
      expect((await readdir(dir)).some((n) => n.endsWith(".corrupt"))).toBe(true);
      await wal.close();
      const again = await openCollecting();
      expect(again.records.length).toBe(2);
      await again.wal.close();
    }
  });

  it("makes N concurrent commits durable with one fdatasync", async () => {
    const { wal } = await openCollecting();
    const writes = [];
    for (let i = 0; i < 16; i++) writes.push(wal.append(RecordKind.WRITE, id, i, Buffer.alloc(10)));
    const before = wal.counters().fsyncs;
    await Promise.all([...writes, ...Array.from({ length: 16 }, () => wal.sync())]);
    expect(wal.counters().fsyncs - before).toBe(1);
    // Nothing new appended: a further commit needs no flush at all.
    await wal.sync();
    expect(wal.counters().fsyncs - before).toBe(1);
    // A commit arriving while a flush runs gets exactly one more flush, shared again.
    await wal.append(RecordKind.WRITE, id, 0, Buffer.alloc(10));
    const first = wal.sync();
    await wal.append(RecordKind.WRITE, id, 0, Buffer.alloc(10));
    await Promise.all([first, wal.sync(), wal.sync(), wal.sync()]);
    expect(wal.counters().fsyncs - before).toBeLessThanOrEqual(3);
    await wal.close();
  });

  it("writes a commit's batch with O_DSYNC when the records before it are durable: no fdatasync", async () => {
    const { wal } = await openCollecting();
    const probe = await open(dir, "r");
    const datasync = vi.spyOn(Object.getPrototypeOf(probe), "datasync");
    await probe.close();
    try {
      // A COMMIT of a small file: the append and the sync in one turn (write-once.ts journalSmall).
      await Promise.all([wal.append(RecordKind.WRITE, id, 0, Buffer.alloc(100, 1)), wal.sync()]);
      expect(datasync).not.toHaveBeenCalled();
      expect(await dsyncDescriptors()).toBe(1);
      expect(wal.counters().fsyncs).toBe(1);
      // A record written but not synced before: O_DSYNC would cover the new batch only, so the
      // next commit fdatasyncs.
      await wal.append(RecordKind.WRITE, id, 100, Buffer.alloc(100, 2));
      await Promise.all([wal.append(RecordKind.WRITE, id, 200, Buffer.alloc(100, 3)), wal.sync()]);
      expect(datasync).toHaveBeenCalledTimes(1);
    } finally {
      datasync.mockRestore();
    }
    await wal.close();
    expect(await dsyncDescriptors()).toBe(0);
    const again = await openCollecting();
    expect(again.records.map((r) => r.data[0])).toEqual([1, 2, 3]);
    await again.wal.close();
  });

  it("rotates segments and reclaims those whose data is all stored", async () => {
    const { wal } = await openCollecting(1000);
    for (let i = 0; i < 40; i++) await wal.append(RecordKind.WRITE, id, i, Buffer.alloc(100));
    const files = await segmentFiles();
    expect(files.length).toBeGreaterThan(3);
    // A rotated segment is cut to its records: only the last one may end in zero fill.
    for (const f of files.slice(0, -1)) expect((await stat(path.join(dir, f))).size).toBeLessThan(1000 + 200);
    await wal.reclaim(30); // records with sequence < 30 are in the block store
    await wal.close();
    const again = await openCollecting(1000);
    const records = again.records;
    expect(records[0]!.seq).toBeLessThanOrEqual(30);
    expect(records[0]!.seq).toBeGreaterThan(1);
    expect(records[records.length - 1]!.seq).toBe(40);
    await again.wal.close();
  });

  it("lazy records (a REMOVE's DELETE) share one writev: with the next append, a sync, or after their timer", async () => {
    const { wal } = await openCollecting();
    const probe = await open(dir, "r");
    const writev = vi.spyOn(Object.getPrototypeOf(probe), "writev");
    await probe.close();
    try {
      const ids = ["a", "b", "c"].map((n) => Buffer.from(`gone-${n}`));
      // A run of them: nothing written at once, then one writev for the run (the timer).
      const run = ids.map((i) => wal.appendLazy(RecordKind.DELETE, i));
      await new Promise((r) => setImmediate(r));
      expect(writev).not.toHaveBeenCalled();
      await Promise.all(run);
      expect(writev).toHaveBeenCalledTimes(1);
      // Taken along by the next append's batch.
      const lazy = wal.appendLazy(RecordKind.DELETE, Buffer.from("gone-d"));
      await wal.append(RecordKind.WRITE, id, 0, Buffer.alloc(100, 1));
      await lazy;
      expect(writev).toHaveBeenCalledTimes(2);
      // Made durable by a sync, which does not wait for the timer.
      wal.appendLazy(RecordKind.DELETE, Buffer.from("gone-e"));
      await wal.sync();
      expect(writev).toHaveBeenCalledTimes(3);
    } finally {
      writev.mockRestore();
    }
    await wal.close();
    const { wal: again, records } = await openCollecting();
    expect(records.map((r) => `${r.kind === RecordKind.DELETE ? "D" : "W"}:${r.payloadId}`)).toEqual([
      "D:gone-a",
      "D:gone-b",
      "D:gone-c",
      "D:gone-d",
      "W:payload-1",
      "D:gone-e",
    ]);
    await again.close();
  });
});

/** Descriptors of this process open on a segment of `dir` with O_DSYNC (/proc/self/fdinfo flags, octal). */
async function dsyncDescriptors(): Promise<number> {
  let n = 0;
  for (const fd of await readdir("/proc/self/fd")) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => "");
    if (!target.startsWith(dir) || !target.endsWith(".wal")) continue;
    const info = await readFile(`/proc/self/fdinfo/${fd}`, "utf8").catch(() => "");
    const flags = Number.parseInt(/flags:\s+([0-7]+)/.exec(info)?.[1] ?? "0", 8);
    if ((flags & constants.O_DSYNC) !== 0) n++;
  }
  return n;
}

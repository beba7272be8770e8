import { mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
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
    const size = (await stat(seg)).size;
    await truncate(seg, size - 30); // cut into the last record's data
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

  it("detects a flipped bit in data or header and keeps earlier records", async () => {
    for (const where of ["data", "header"] as const) {
      await rm(dir, { recursive: true, force: true });
      await writeRecords(5);
      const seg = path.join(dir, (await segmentFiles())[0]!);
      const buf = await readFile(seg);
      const recordSize = WAL_HEADER_BYTES + id.length + 100;
      const at = 2 * recordSize + (where === "data" ? WAL_HEADER_BYTES + id.length + 50 : 20);
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

  it("rotates segments and reclaims those whose data is all stored", async () => {
    const { wal } = await openCollecting(1000);
    for (let i = 0; i < 40; i++) await wal.append(RecordKind.WRITE, id, i, Buffer.alloc(100));
    expect((await segmentFiles()).length).toBeGreaterThan(3);
    await wal.reclaim(30); // records with sequence < 30 are in the block store
    await wal.close();
    const again = await openCollecting(1000);
    const records = again.records;
    expect(records[0]!.seq).toBeLessThanOrEqual(30);
    expect(records[0]!.seq).toBeGreaterThan(1);
    expect(records[records.length - 1]!.seq).toBe(40);
    await again.wal.close();
  });
});

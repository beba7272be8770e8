/**
 * Upgrade path (legacy.ts) on real PostgreSQL and s3rver: files a PostgreSQL + S3 share stored
 * before block versioning (unversioned keys, no block map) are adopted when the share registers in
 * shared mode, read byte-identical, are superseded by rewrites and swept after the grace period.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { prng, randomFill } from "../../domain/testing/prng.ts";
import type { NewInode } from "../../metadata/metadata-store.ts";
import { PostgresMetadataStore } from "../../metadata/stores/postgres.ts";
import { fileInode as crudInode } from "../../metadata/testing/conformance/store-crud.ts";
import { freshSchemaUrl } from "../../metadata/testing/postgres-fixture.ts";
import { blockKey } from "../block-store/keys.ts";
import type { S3BlockStore } from "../block-store/s3.ts";
import { DefaultPayloadService } from "../service.ts";
import { startTestS3, type TestS3, testS3BlockStore } from "../testing/s3rver.ts";
import { listKeys } from "../testing/wait.ts";
import { BlockSweeper } from "../transfer/sweep.ts";
import { BLOCK_SIZE_BYTES } from "../types.ts";
import { legacyVersion } from "./legacy.ts";

const logger = pino({ level: "silent" });
const MiB = 1024 * 1024;
const BS = BLOCK_SIZE_BYTES;
let s3: TestS3;
let dir: string;
let seq = 0;
const services: DefaultPayloadService[] = [];
const metas: PostgresMetadataStore[] = [];

beforeAll(async () => {
  s3 = await startTestS3();
  dir = await mkdtemp(path.join(os.tmpdir(), "dittofs-legacy-"));
});
afterEach(async () => {
  for (const s of services.splice(0)) await s.close();
  for (const m of metas.splice(0)) await m.close();
});
afterAll(async () => {
  await s3.close();
  await rm(dir, { recursive: true, force: true });
});

function s3Store(): S3BlockStore {
  return testS3BlockStore(s3);
}

function bytes(n: number, seed: number): Buffer {
  return randomFill(prng(seed), Buffer.allocUnsafe(n));
}

/** A payload id unique in the bucket (one s3rver serves the whole file). */
function pid(name: string): string {
  return `${name}-${process.pid}-${++seq}`;
}

function fileInode(payloadId: string, size: number): NewInode {
  return crudInode(0n, { payloadId, size, uid: 0, gid: 0 });
}

async function openMeta(url: string): Promise<PostgresMetadataStore> {
  const m = await PostgresMetadataStore.open(url);
  metas.push(m);
  return m;
}

async function service(name: string): Promise<DefaultPayloadService> {
  const svc = new DefaultPayloadService({
    logger,
    cacheSizeBytes: 64 * MiB,
    walDir: path.join(dir, `${name}-${++seq}`),
    transferConcurrency: 4,
  });
  services.push(svc);
  return svc;
}

/** The layout before versioning: a PostgreSQL + S3 share without a block map (unversioned keys). */
async function writeOld(meta: PostgresMetadataStore, files: { id: string; data: Buffer; size?: number }[]) {
  const old = await service("old");
  await old.addShare("/old", s3Store(), { shared: true });
  const ids = new Map<string, bigint>();
  for (const f of files) {
    await old.writeAt("/old", f.id, 0, f.data);
    await old.commit("/old", f.id); // shared without a map: returns once the blocks are in S3
    const size = f.size ?? f.data.length;
    ids.set(f.id, await meta.transaction(async (tx) => (await tx.insertInode(fileInode(f.id, size))).id));
  }
  return ids;
}

async function sharedService(meta: PostgresMetadataStore, share: string): Promise<DefaultPayloadService> {
  const svc = await service("new");
  await svc.addShare(share, s3Store(), { shared: true, content: meta.sharedContent });
  return svc;
}

describe("legacy blocks: adoption into the block map", () => {
  it("files stored before versioning read byte-identical; bytes past EOF stay hidden; unknown payloads are left alone", async () => {
    const meta = await openMeta(await freshSchemaUrl());
    const [f, tail, orphan] = [pid("f"), pid("tail"), pid("orphan")];
    const data = bytes(2 * BS + 1000, 1);
    const tailData = bytes(3 * BS, 2);
    // `tail`'s inode says BS + 10: the rest is what an old truncate left behind in the store.
    await writeOld(meta, [
      { id: f, data },
      { id: tail, data: tailData, size: BS + 10 },
    ]);
    const old = await service("old2");
    await old.addShare("/old", s3Store(), { shared: true });
    await old.writeAt("/old", orphan, 0, Buffer.alloc(100, 7)); // no inode names it here
    await old.commit("/old", orphan);

    const name = "/s";
    const svc = await sharedService(meta, name);
    expect((await svc.readAt(name, f, 0, data.length)).equals(data)).toBe(true);
    const got = await svc.readAt(name, tail, 0, 3 * BS);
    expect(got.subarray(0, BS + 10).equals(tailData.subarray(0, BS + 10))).toBe(true);
    expect(got.subarray(BS + 10).every((x) => x === 0)).toBe(true);
    const map = meta.sharedContent;
    expect((await map.versions(tail, [0, 1, 2])).versions).toEqual(
      new Map([
        [0, legacyVersion(BS)],
        [1, legacyVersion(10)],
      ]),
    );
    expect(await map.generation(orphan)).toBe(0n);
    expect((await svc.readAt(name, orphan, 0, 100)).every((x) => x === 0)).toBe(true);
  });

  it("a rewritten block reads new; superseded legacy keys go after the grace period, referenced and foreign ones never", async () => {
    const meta = await openMeta(await freshSchemaUrl());
    const [f, tail, orphan] = [pid("f"), pid("tail"), pid("orphan")];
    const data = bytes(2 * BS + 1000, 3);
    const ids = await writeOld(meta, [
      { id: f, data },
      { id: tail, data: bytes(2 * BS, 4), size: 100 },
    ]);
    const old = await service("old2");
    await old.addShare("/old", s3Store(), { shared: true });
    await old.writeAt("/old", orphan, 0, Buffer.alloc(100, 7));
    await old.commit("/old", orphan);
    const store = s3Store();

    const a = await sharedService(meta, "/a");
    const block0 = bytes(BS, 5);
    await a.writeAt("/a", f, 0, block0);
    await a.commit("/a", f);
    const want = Buffer.from(data);
    block0.copy(want, 0);
    const b = await sharedService(meta, "/a"); // another daemon: reads from the store, not A's cache
    expect((await b.readAt("/a", f, 0, want.length)).equals(want)).toBe(true);

    const sweeper = new BlockSweeper({ store, catalog: meta.sharedContent, gcGraceMs: 500, logger });
    // The first pass only notes when the legacy keys became unreferenced: nothing is old enough.
    expect(await sweeper.sweepOnce()).toMatchObject({ deleted: 0 });
    expect(await listKeys(store, `${f}/`)).toContain(blockKey(f, 0));
    const gone = [blockKey(f, 0), blockKey(tail, 1)];
    await expect
      .poll(
        async () => {
          await sweeper.sweepOnce();
          const left = new Set([...(await listKeys(store, `${f}/`)), ...(await listKeys(store, `${tail}/`))]);
          return gone.filter((k) => left.has(k));
        },
        { timeout: 20_000, interval: 200 },
      )
      .toEqual([]);
    const left = await listKeys(store, "");
    for (const k of [blockKey(f, 1), blockKey(f, 2), blockKey(tail, 0), blockKey(orphan, 0)]) {
      expect(left).toContain(k);
    }
    const c = await sharedService(meta, "/a");
    expect((await c.readAt("/a", f, 0, want.length)).equals(want)).toBe(true);
    // Deleting the file (its inode gone) makes its remaining legacy keys garbage too.
    await meta.transaction(async (tx) => tx.deleteInode(ids.get(f)!));
    await expect
      .poll(
        async () => {
          await sweeper.sweepOnce();
          return listKeys(store, `${f}/`);
        },
        { timeout: 20_000, interval: 200 },
      )
      .toEqual([]);
    expect(await listKeys(store, `${orphan}/`)).toEqual([blockKey(orphan, 0)]);
  });

  it("two daemons registering at once adopt each file once: the same map", async () => {
    const url = await freshSchemaUrl();
    const meta = await openMeta(url);
    const [f, g] = [pid("f"), pid("g")];
    const fData = bytes(BS + 17, 6);
    await writeOld(meta, [
      { id: f, data: fData },
      { id: g, data: bytes(50, 7) },
    ]);
    const other = await openMeta(url);
    const [a, b] = await Promise.all([sharedService(meta, "/two"), sharedService(other, "/two")]);
    for (const m of [meta.sharedContent, other.sharedContent]) {
      expect(await m.generation(f)).toBe(1n);
      expect((await m.versions(f, [0, 1, 2])).versions).toEqual(
        new Map([
          [0, legacyVersion(BS)],
          [1, legacyVersion(17)],
        ]),
      );
      expect((await m.versions(g, [0])).versions).toEqual(new Map([[0, legacyVersion(50)]]));
    }
    expect((await a.readAt("/two", f, 0, fData.length)).equals(fData)).toBe(true);
    expect((await b.readAt("/two", f, 0, fData.length)).equals(fData)).toBe(true);
    // Without the scan lock too: concurrent adoptions of one file change the map exactly once.
    const h = pid("h");
    await meta.transaction(async (tx) => tx.insertInode(fileInode(h, 10)));
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => (i % 2 ? meta : other).sharedContent.adoptLegacy!(h, [0, 1])),
    );
    expect(results.filter((r) => r)).toHaveLength(1);
    expect(await meta.sharedContent.generation(h)).toBe(1n);
    expect((await meta.sharedContent.versions(h, [0, 1])).versions).toEqual(
      new Map([[0, legacyVersion(10)]]),
    );
    // A file shared mode already wrote is never adopted over.
    const k = pid("k");
    await meta.transaction(async (tx) => tx.insertInode(fileInode(k, 10)));
    await meta.sharedContent.commitBlock(k, 0, null);
    expect(await meta.sharedContent.adoptLegacy!(k, [0])).toBe(false);
  });
});

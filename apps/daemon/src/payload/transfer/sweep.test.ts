/**
 * The cross-daemon block sweeper against the real PostgreSQL catalog (the run's private cluster)
 * and a block store: what it deletes, what it must never delete, and two sweepers at once.
 */
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import type { NewInode } from "../../metadata/metadata-store.ts";
import { PostgresMetadataStore } from "../../metadata/stores/postgres.ts";
import { fileInode as crudInode } from "../../metadata/testing/conformance/store-crud.ts";
import { freshSchemaUrl } from "../../metadata/testing/postgres-fixture.ts";
import { MemoryBlockStore } from "../block-store/memory.ts";
import { newVersion, versionedBlockKey } from "../shared/versions.ts";
import { listKeys } from "../testing/wait.ts";
import { BlockSweeper } from "./sweep.ts";

const logger = pino({ level: "silent" });
const GRACE_MS = 60_000;
const opened: PostgresMetadataStore[] = [];
afterAll(async () => {
  for (const s of opened.splice(0)) await s.close();
});

function fileInode(payloadId: string): NewInode {
  return crudInode(0n, { payloadId, size: 0, uid: 0, gid: 0 });
}

async function setup() {
  const meta = await PostgresMetadataStore.open(await freshSchemaUrl());
  opened.push(meta);
  const blocks = new MemoryBlockStore();
  const catalog = meta.sharedContent;
  const inode = (payloadId: string) =>
    meta.transaction(async (tx) => (await tx.insertInode(fileInode(payloadId))).id);
  /** Puts a key made `ageMs` ago and optionally commits it. */
  const put = async (payloadId: string, block: number, ageMs: number, commit: boolean) => {
    const v = newVersion(Date.now() - ageMs);
    const key = versionedBlockKey(payloadId, block, v);
    await blocks.put(key, Buffer.from(key));
    if (commit) await catalog.commitBlock(payloadId, block, v);
    return key;
  };
  const sweeper = (graceMs = GRACE_MS) =>
    new BlockSweeper({ store: blocks, catalog, gcGraceMs: graceMs, logger });
  return { meta, blocks, catalog, inode, put, sweeper };
}

describe("block sweeper (PostgreSQL catalog)", () => {
  it("deletes superseded versions and a deleted file's blocks past the grace period, nothing else", async () => {
    const { meta, blocks, catalog, inode, put, sweeper } = await setup();
    const old = 2 * GRACE_MS;
    await inode("live");
    const superseded = await put("live", 0, old, true);
    const current = await put("live", 0, old, true); // replaces it in the map
    const uncommittedYoung = await put("live", 1, 0, false); // upload whose commit is in flight
    const uncommittedOld = await put("live", 2, old, false); // crashed between put and commit
    const id = await inode("gone");
    const goneKeys = [await put("gone", 0, old, true), await put("gone", 1, old, true)];
    const goneYoung = await put("gone", 2, 0, true);
    await meta.transaction(async (tx) => tx.deleteInode(id));
    const foreign = versionedBlockKey("other-deployment", 0, newVersion(Date.now() - old));
    await blocks.put(foreign, Buffer.from("x"));
    const unversioned = "live/chunk-0/block-0";
    await blocks.put(unversioned, Buffer.from("x"));

    const r = await sweeper().sweepOnce();
    expect(r).toMatchObject({ deleted: 4, droppedPayloads: 3 });
    const left = new Set(await listKeys(blocks));
    expect([...left].sort()).toEqual([current, uncommittedYoung, goneYoung, foreign, unversioned].sort());
    for (const k of [superseded, uncommittedOld, ...goneKeys]) expect(left.has(k)).toBe(false);
    // The live file's map is untouched; the deleted one's is gone.
    expect((await catalog.versions("live", [0])).versions.size).toBe(1);
    expect((await catalog.versions("gone", [0, 1, 2])).versions.size).toBe(0);
  });

  it("a deleted file's payload row goes once nothing of it is left in the store", async () => {
    const { meta, blocks, catalog, inode, put, sweeper } = await setup();
    const id = await inode("p");
    await put("p", 0, 0, true);
    await meta.transaction(async (tx) => tx.deleteInode(id));
    // Young key: kept, and so is the row that makes the payload known.
    const s = sweeper(200);
    expect(await s.sweepOnce()).toMatchObject({ deleted: 0, forgottenPayloads: 0 });
    expect(await catalog.generation("p")).toBe(1n);
    // Once the key is older than the grace period one pass deletes it and forgets the row.
    const total = { deleted: 0, forgottenPayloads: 0 };
    await expect
      .poll(
        async () => {
          const r = await s.sweepOnce();
          total.deleted += r?.deleted ?? 0;
          total.forgottenPayloads += r?.forgottenPayloads ?? 0;
          return total.forgottenPayloads;
        },
        { timeout: 20_000 },
      )
      .toBe(1);
    expect(total.deleted).toBe(1);
    expect(await catalog.generation("p")).toBe(0n);
    expect(await listKeys(blocks)).toEqual([]);
  });

  it("two sweepers at once: one sweeps, the other skips the round; nothing live is lost", async () => {
    const { meta, blocks, inode, put, sweeper } = await setup();
    await inode("live");
    const keep: string[] = [];
    for (let b = 0; b < 50; b++) {
      await put("live", b, 2 * GRACE_MS, true);
      keep.push(await put("live", b, 2 * GRACE_MS, true));
    }
    const id = await inode("gone");
    for (let b = 0; b < 50; b++) await put("gone", b, 2 * GRACE_MS, true);
    await meta.transaction(async (tx) => tx.deleteInode(id));
    const results = await Promise.all([sweeper().sweepOnce(), sweeper().sweepOnce(), sweeper().sweepOnce()]);
    const ran = results.filter((r) => r !== null);
    expect(ran.length).toBeGreaterThanOrEqual(1);
    expect(ran.reduce((n, r) => n + r!.deleted, 0)).toBe(100);
    expect((await listKeys(blocks)).sort()).toEqual(keep.sort());
  });
});

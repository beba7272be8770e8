/**
 * Checkpoints run on the worker thread: the database file takes the WAL's pages while SQLite's own
 * checkpoint (at SQLITE_WAL_CHECKPOINT_PAGES) cannot have run, the data reads back after a reopen,
 * and a store that closes with a checkpoint in flight closes cleanly.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { fileInode } from "../testing/conformance/store-crud.ts";
import { SQLITE_WAL_CHECKPOINT_PAGES, SqliteMetadataStore } from "./sqlite.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempPath(): string {
  const dir = mkdtempSync(join(tmpdir(), "dittofs-sqlite-ckpt-"));
  dirs.push(dir);
  return join(dir, "m.sqlite");
}

async function insertMany(store: SqliteMetadataStore, n: number): Promise<bigint[]> {
  const ids: bigint[] = [];
  for (let i = 0; i < n; i++)
    ids.push(await store.transaction(async (tx) => (await tx.insertInode(fileInode(1n))).id));
  return ids;
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
}

describe("SQLite checkpoints on a worker thread", () => {
  it("moves committed pages into the database file without SQLite's in-COMMIT checkpoint", async () => {
    const path = tempPath();
    const store = SqliteMetadataStore.open(path, { checkpointEveryCommits: 200 });
    const ids = await insertMany(store, 199);
    const before = statSync(path).size;
    expect(store.checkpointer.counters.done).toBe(0);
    ids.push(...(await insertMany(store, 1)));
    await until(() => store.checkpointer.counters.done === 1, "the checkpoint");
    const c = store.checkpointer.counters;
    // Far below the safety threshold, so the pages reached the file through the worker.
    expect(c.lastLog).toBeLessThan(SQLITE_WAL_CHECKPOINT_PAGES);
    expect(c.lastCheckpointed).toBeGreaterThan(0);
    expect(statSync(path).size).toBeGreaterThan(before);
    ids.push(...(await insertMany(store, 50)));
    await store.close();
    const again = SqliteMetadataStore.open(path);
    for (const id of ids) expect(again.getInode(id)?.id).toBe(id);
    await again.close();
  });

  it("closes with a checkpoint in flight and keeps every commit", async () => {
    const path = tempPath();
    const store = SqliteMetadataStore.open(path, { checkpointEveryCommits: 1 });
    const ids = await insertMany(store, 300);
    await store.close();
    const again = SqliteMetadataStore.open(path);
    for (const id of ids) expect(again.getInode(id)?.id).toBe(id);
    await again.close();
  });
});

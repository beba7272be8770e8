/**
 * Lazy transactions of the SQLite store (TxOptions.lazy: an UNSTABLE WRITE's size and mtime):
 * visible to every read of the store at once, in the database only once a durable transaction,
 * persist(), close() or SQLITE_LAZY_COMMIT_MS commits their batch; a lost batch fails persist().
 * A second, read-only connection shows what is committed: what a crash would leave.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fileInode } from "../testing/conformance/store-crud.ts";
import { SqliteMetadataStore } from "./sqlite.ts";
import { SQLITE_LAZY_COMMIT_MS } from "./sqlite-batch.ts";

const dirs: string[] = [];
afterEach(() => {
  vi.useRealTimers();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function fresh(): {
  path: string;
  store: SqliteMetadataStore;
  committedSize: (id: bigint) => number | undefined;
} {
  const dir = mkdtempSync(join(tmpdir(), "dittofs-sqlite-lazy-"));
  dirs.push(dir);
  const path = join(dir, "m.sqlite");
  const store = SqliteMetadataStore.open(path);
  const committedSize = (id: bigint) => {
    const db = new Database(path, { readonly: true });
    try {
      return (db.prepare("SELECT size FROM inodes WHERE id = ?").get(id) as { size: number } | undefined)
        ?.size;
    } finally {
      db.close();
    }
  };
  return { path, store, committedSize };
}

async function setSize(store: SqliteMetadataStore, id: bigint, size: number, lazy: boolean): Promise<void> {
  await store.transaction(
    async (tx) => {
      const rec = await tx.getInode(id);
      await tx.updateInode({ ...rec!, size });
    },
    { lazy },
  );
}

describe("SQLite lazy transactions", () => {
  it("are read at once and committed by persist(), not before", async () => {
    const { store, committedSize } = fresh();
    const id = await store.transaction(async (tx) => (await tx.insertInode(fileInode(1n, { size: 0 }))).id);
    await setSize(store, id, 4096, true);
    await setSize(store, id, 8192, true);
    expect(store.getInode(id)?.size).toBe(8192);
    expect(committedSize(id)).toBe(0);
    await store.persist([id]);
    expect(committedSize(id)).toBe(8192);
    // Nothing left to commit: settles at once, and a durable transaction still commits itself.
    await store.persist([id]);
    await setSize(store, id, 1, false);
    expect(committedSize(id)).toBe(1);
    await store.close();
  });

  it("are committed by the next durable transaction, by close(), and after SQLITE_LAZY_COMMIT_MS", async () => {
    const { path, store, committedSize } = fresh();
    const [a, b] = await store.transaction(async (tx) => [
      (await tx.insertInode(fileInode(1n, { size: 0 }))).id,
      (await tx.insertInode(fileInode(1n, { size: 0 }))).id,
    ]);
    await setSize(store, a, 10, true);
    await setSize(store, b, 20, false);
    expect([committedSize(a), committedSize(b)]).toEqual([10, 20]);

    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    await setSize(store, a, 30, true);
    await vi.advanceTimersByTimeAsync(SQLITE_LAZY_COMMIT_MS - 1);
    expect(committedSize(a)).toBe(10);
    await vi.advanceTimersByTimeAsync(1);
    expect(committedSize(a)).toBe(30);
    vi.useRealTimers();

    await setSize(store, a, 40, true);
    await store.close();
    const reopened = SqliteMetadataStore.open(path);
    expect(reopened.getInode(a)?.size).toBe(40);
    await reopened.close();
  });

  it("fail persist() when SQLite rolled their batch back", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dittofs-sqlite-lazy-"));
    dirs.push(dir);
    const store = SqliteMetadataStore.open(join(dir, "m.sqlite"), { maxBytes: 64 * 1024 });
    const id = await store.transaction(async (tx) => (await tx.insertInode(fileInode(1n, { size: 0 }))).id);
    await setSize(store, id, 4096, true);
    // A member that fills the database: SQLite rolls the whole batch back, the lazy write too.
    const full = store.transaction(async (tx) => {
      await tx.insertInode(fileInode(1n, { type: "symlink", target: "x".repeat(256 * 1024) }));
    });
    await expect(full).rejects.toMatchObject({ code: "ENOSPC" });
    expect(store.getInode(id)?.size).toBe(0);
    await expect(store.persist([id])).rejects.toMatchObject({ code: "ENOSPC" });
    // Reported once: the file's size is what was committed from then on.
    await store.persist([id]);
    await store.close();
  });
});

/**
 * The SQLite store's in-memory directory listings stay equal to what the database holds: after
 * inserts, deletes, renames, a rolled-back transaction and a removed directory, every page served
 * from the cache equals the same page read by a fresh store from the file.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { prng } from "../../domain/testing/prng.ts";
import { fileInode } from "../testing/conformance/store-crud.ts";
import { SqliteMetadataStore } from "./sqlite.ts";
import { LISTING_ENTRIES_MAX } from "./sqlite-listings.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function open(): { path: string; store: SqliteMetadataStore } {
  const dir = mkdtempSync(join(tmpdir(), "dittofs-sqlite-listings-"));
  dirs.push(dir);
  const path = join(dir, "m.sqlite");
  return { path, store: SqliteMetadataStore.open(path) };
}

/** A directory with `n` entries f0..f(n-1), seq 3.. (the service's numbering). */
async function makeDir(store: SqliteMetadataStore, n: number): Promise<{ dir: bigint; seq: bigint }> {
  return store.transaction(async (tx) => {
    const dir = (await tx.insertInode(fileInode(0n, { type: "dir", parent: 0n }))).id;
    let seq = 2n;
    for (let i = 0; i < n; i++) {
      const child = (await tx.insertInode(fileInode(dir))).id;
      await tx.insertEntry({ parent: dir, name: `f${i}`, child, seq: ++seq });
    }
    return { dir, seq };
  });
}

const names = (store: SqliteMetadataStore, dir: bigint, after = 0n, limit = 100_000) =>
  store.listEntries(dir, after, limit).map((e) => `${e.name}@${e.seq}`);

async function sameOnDisk(
  path: string,
  store: SqliteMetadataStore,
  dir: bigint,
  expected: string[],
): Promise<void> {
  await store.close();
  const fresh = SqliteMetadataStore.open(path);
  try {
    // The fresh store reads its first page through SQLite before any listing is cached.
    const disk = fresh.listEntries(dir, 0n, 100_000).map((e) => `${e.name}@${e.seq}`);
    expect(disk).toEqual(expected);
  } finally {
    await fresh.close();
  }
}

/**
 * One random change to `dir` (insert, delete, or rename within it; 15% rolled back), mirrored in
 * `live`; returns the directory's sequence after it.
 */
async function randomChange(
  store: SqliteMetadataStore,
  dir: bigint,
  seq: bigint,
  live: Set<string>,
  rand: () => number,
  fresh: string,
): Promise<bigint> {
  const op = rand();
  const rollback = rand() < 0.15;
  const victim = live.size > 0 ? [...live][Math.floor(rand() * live.size)]! : null;
  const kind = victim === null || op < 0.4 ? "insert" : op < 0.7 ? "delete" : "rename";
  const body = store.transaction(async (tx) => {
    if (kind === "insert") {
      const child = (await tx.insertInode(fileInode(dir))).id;
      await tx.insertEntry({ parent: dir, name: fresh, child, seq: seq + 1n });
    } else {
      const e = (await tx.getEntry(dir, victim!))!;
      await tx.deleteEntry(dir, victim!);
      if (kind === "rename")
        await tx.insertEntry({ parent: dir, name: fresh, child: e.child, seq: seq + 1n });
    }
    if (rollback) throw new Error("roll back");
  });
  if (rollback) {
    await expect(body).rejects.toThrow("roll back");
    return seq;
  }
  await body;
  if (kind !== "insert") live.delete(victim!);
  if (kind === "delete") return seq;
  live.add(fresh);
  return seq + 1n;
}

describe("SQLite directory listing cache", () => {
  it("follows inserts, deletes and rollbacks of a cached directory", async () => {
    const { path, store } = open();
    let { dir, seq } = await makeDir(store, 50);
    expect(names(store, dir, 0n, 10)).toHaveLength(10); // cached now
    const child = await store.transaction(async (tx) => (await tx.insertInode(fileInode(dir))).id);
    await store.transaction(async (tx) => {
      await tx.deleteEntry(dir, "f7");
      await tx.insertEntry({ parent: dir, name: "new", child, seq: ++seq });
    });
    await expect(
      store.transaction(async (tx) => {
        await tx.deleteEntry(dir, "f8");
        await tx.insertEntry({ parent: dir, name: "ghost", child, seq: seq + 1n });
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    const expected = names(store, dir);
    expect(expected).toHaveLength(50);
    expect(expected).toContain("f8@11");
    expect(expected).not.toContain("f7@10");
    expect(expected.at(-1)).toBe(`new@${seq}`);
    expect(expected.some((n) => n.startsWith("ghost"))).toBe(false);
    // Pages resume after a cookie, including one of a removed entry.
    expect(names(store, dir, 10n, 2)).toEqual(["f8@11", "f9@12"]);
    await sameOnDisk(path, store, dir, expected);
  });

  it(`pages a directory of more than ${LISTING_ENTRIES_MAX} entries from SQLite`, async () => {
    const { path, store } = open();
    const { dir } = await makeDir(store, LISTING_ENTRIES_MAX + 5);
    const pages: string[] = [];
    for (let after = 0n; ; ) {
      const page = store.listEntries(dir, after, 1000);
      if (page.length === 0) break;
      pages.push(...page.map((e) => `${e.name}@${e.seq}`));
      after = page.at(-1)!.seq;
    }
    expect(pages).toHaveLength(LISTING_ENTRIES_MAX + 5);
    await store.transaction(async (tx) => tx.deleteEntry(dir, "f0"));
    const expected = names(store, dir);
    expect(expected).toHaveLength(LISTING_ENTRIES_MAX + 4);
    await sameOnDisk(path, store, dir, expected);
  });

  it("forgets a removed directory's listing", async () => {
    const { store } = open();
    const { dir } = await makeDir(store, 3);
    expect(names(store, dir)).toHaveLength(3);
    await store.transaction(async (tx) => {
      for (const n of ["f0", "f1", "f2"]) await tx.deleteEntry(dir, n);
      await tx.deleteInode(dir);
    });
    expect(names(store, dir)).toEqual([]);
    await store.close();
  });

  it("resumes pages of a listing across changes made between them, as the database does", async () => {
    const seed = 20261205;
    const rand = prng(seed);
    const opened = open();
    const { store } = opened;
    const made = await makeDir(store, 120);
    let seq = made.seq;
    const raw = new Database(opened.path, { readonly: true });
    const after = raw.prepare(
      "SELECT name, seq FROM entries WHERE parent = ? AND seq > ? ORDER BY seq LIMIT ?",
    );
    const live = new Set(Array.from({ length: 120 }, (_, i) => `f${i}`));
    try {
      for (let round = 0; round < 30; round++) {
        // Two clients page through the directory at once; a change lands between most pages.
        const cookies = [0n, 0n];
        for (let page = 0; page < 12; page++) {
          const c = page % 2;
          const size = 1 + Math.floor(rand() * 25);
          const want = (after.all(made.dir, cookies[c]!, size) as { name: string; seq: number }[]).map(
            (r) => `${r.name}@${r.seq}`,
          );
          const got = names(store, made.dir, cookies[c]!, size);
          expect(got, `seed ${seed} round ${round} page ${page}`).toEqual(want);
          // A reply sends what fits of the page (the metadata service reads one entry more than it
          // returns, NFS sends fewer than that): resume after any of its entries, mostly the last.
          const resume = rand() < 0.5 ? got.at(-1) : got[Math.floor(rand() * got.length)];
          if (resume !== undefined) cookies[c] = BigInt(resume.split("@")[1]!);
          // Often the entry the page ended on: the cursor's own position goes away.
          const last = got.at(-1)?.split("@")[0];
          if (last !== undefined && live.has(last) && rand() < 0.3) {
            await store.transaction(async (tx) => tx.deleteEntry(made.dir, last));
            live.delete(last);
          } else if (rand() < 0.7) {
            seq = await randomChange(store, made.dir, seq, live, rand, `r${round}p${page}`);
          }
        }
      }
    } finally {
      raw.close();
      await store.close();
    }
  });

  it("matches the database after every step of random inserts, deletes, renames and rollbacks", async () => {
    const seed = 20261127;
    const rand = prng(seed);
    const opened = open();
    let store = opened.store;
    const made = await makeDir(store, 200);
    const dir = made.dir;
    let seq = made.seq;
    const raw = new Database(opened.path, { readonly: true });
    const list = raw.prepare("SELECT name, seq FROM entries WHERE parent = ? ORDER BY seq");
    const live = new Set(Array.from({ length: 200 }, (_, i) => `f${i}`));
    /** The first `pages` pages of `size` entries, read with cookies as a client does. */
    const prefix = (pages: number, size: number) => {
      const out: string[] = [];
      let after = 0n;
      for (let i = 0; i < pages; i++) {
        const page = store.listEntries(dir, after, size);
        out.push(...page.map((e) => `${e.name}@${e.seq}`));
        if (page.length < size) break;
        after = page.at(-1)!.seq;
      }
      return out;
    };
    try {
      for (let step = 0; step < 400; step++) {
        // A fresh store every 40 steps: listings are partial (filled page by page) most of the time.
        if (step % 40 === 0 && step > 0) {
          await store.close();
          store = SqliteMetadataStore.open(opened.path);
        }
        seq = await randomChange(store, dir, seq, live, rand, `n${step}`);
        const want = (list.all(dir) as { name: string; seq: number }[]).map((r) => `${r.name}@${r.seq}`);
        const pages = 1 + Math.floor(rand() * 3);
        const size = 1 + Math.floor(rand() * 40);
        expect(prefix(pages, size), `seed ${seed} step ${step}`).toEqual(want.slice(0, pages * size));
        // A page resumed from the middle, inside or past what memory covers.
        const midIndex = Math.floor(rand() * want.length);
        const mid = want[midIndex];
        if (mid !== undefined) {
          const after = BigInt(mid.split("@")[1]!);
          expect(names(store, dir, after, 7)).toEqual(want.slice(midIndex + 1, midIndex + 8));
        }
        if (step % 40 === 39) expect(names(store, dir), `seed ${seed} step ${step}`).toEqual(want);
      }
      expect(live.size).toBe(names(store, dir).length);
    } finally {
      raw.close();
      await store.close();
    }
  });
});

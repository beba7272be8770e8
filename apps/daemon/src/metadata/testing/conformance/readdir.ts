/** Readdir cookies, big directories paged under concurrent change, and concurrent creates. */
import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, expect, it } from "vitest";
import { ALICE, type Env, expectErrno, makeEnv, type StoreFactory } from "./harness.ts";
import { fileInode } from "./store-crud.ts";

const G = { mode: "guarded" as const };

/** Entries in the big-directory test (issue 4: 10,000). */
export const BIG_DIR_ENTRIES = 10_000;
const BIG_DIR_PAGE = 400;

async function createMany(env: Env, dir: Buffer, names: string[], concurrency = 8): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < names.length) {
      const name = names[next++]!;
      await env.svc.create(ALICE, dir, name, {}, G);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/**
 * Fills a directory straight through the store, 1,000 entries per transaction: the test is about
 * listing while the directory changes, not about create speed (the service creates those later).
 */
async function populate(env: Env, dirId: bigint, names: string[]): Promise<void> {
  const batch = 1000;
  for (let i = 0; i < names.length; i += batch) {
    await env.store.transaction(async (tx) => {
      await tx.lock([dirId]);
      const dir = (await tx.getInode(dirId))!;
      let seq = dir.entrySeq;
      for (const name of names.slice(i, i + batch)) {
        const child = await tx.insertInode(
          fileInode(dir.root, { uid: 1000, gid: 1000, payloadId: randomUUID() }),
        );
        seq += 1n;
        await tx.insertEntry({ parent: dirId, name, child: child.id, seq });
      }
      await tx.updateInode({ ...dir, entrySeq: seq });
    });
  }
}

export function readdirTests(factory: StoreFactory): void {
  let env: Env;
  beforeEach(async () => {
    env = await makeEnv(factory);
  });
  afterEach(async () => {
    await env.close();
  });

  it("pages with cookies, reports eof, and rejects cookies never issued", async () => {
    const d = await env.svc.mkdir(ALICE, env.root, "d", {});
    const empty = await env.svc.readdir(ALICE, d.handle, 0n, null, 10);
    expect(empty).toMatchObject({ entries: [], eof: true });
    await createMany(env, d.handle, ["a", "b", "c", "d", "e"], 1);
    const p1 = await env.svc.readdir(ALICE, d.handle, 0n, null, 2);
    expect(p1.entries.map((e) => e.name)).toEqual(["a", "b"]);
    expect(p1.eof).toBe(false);
    expect(p1.verifier.length).toBe(8);
    const e0 = p1.entries[0]!;
    expect(e0.attr.fileid).toBe(e0.fileid);
    expect((await env.svc.getattr(e0.handle)).fileid).toBe(e0.fileid);
    expect(e0.cookie).toBeGreaterThan(2n);
    const p2 = await env.svc.readdir(ALICE, d.handle, p1.entries[1]!.cookie, p1.verifier, 2);
    expect(p2.entries.map((e) => e.name)).toEqual(["c", "d"]);
    const p3 = await env.svc.readdir(ALICE, d.handle, p2.entries[1]!.cookie, p1.verifier, 2);
    expect(p3).toMatchObject({ eof: true });
    expect(p3.entries.map((e) => e.name)).toEqual(["e"]);
    // Cookies 1 and 2 (a protocol's "." and "..") resume at the first entry.
    expect((await env.svc.readdir(ALICE, d.handle, 2n, null, 1)).entries[0]!.name).toBe("a");
    await expectErrno(env.svc.readdir(ALICE, d.handle, 1_000_000n, null, 2), "EBADCOOKIE");
    await expectErrno(env.svc.readdir(ALICE, d.handle, 0n, null, 0), "ETOOSMALL");
    const f = await env.svc.lookup(ALICE, d.handle, "a");
    await expectErrno(env.svc.readdir(ALICE, f.handle, 0n, null, 2), "ENOTDIR");
    // A removed entry's cookie still resumes after its position.
    await env.svc.remove(ALICE, d.handle, "b");
    const r = await env.svc.readdir(ALICE, d.handle, p1.entries[1]!.cookie, p1.verifier, 10);
    expect(r.entries.map((e) => e.name)).toEqual(["c", "d", "e"]);
  });

  it(`lists a ${BIG_DIR_ENTRIES}-entry directory in pages while entries come and go`, async () => {
    const d = await env.svc.mkdir(ALICE, env.root, "big", {});
    const initial = Array.from({ length: BIG_DIR_ENTRIES }, (_, i) => `f${i}`);
    await populate(env, d.attr.fileid, initial);
    const removed = new Set<string>();
    const seen: string[] = [];
    let cookie = 0n;
    let page = 0;
    for (;;) {
      const r = await env.svc.readdir(ALICE, d.handle, cookie, null, BIG_DIR_PAGE);
      seen.push(...r.entries.map((e) => e.name));
      if (r.eof) break;
      cookie = r.entries.at(-1)!.cookie;
      page++;
      // Between pages: remove one listed and one not-yet-listed entry, add two new ones.
      const back = `f${(page * 37) % (page * BIG_DIR_PAGE)}`;
      const ahead = `f${Math.min(BIG_DIR_ENTRIES - 1, (page + 1) * BIG_DIR_PAGE + page)}`;
      for (const n of [back, ahead]) {
        if (removed.has(n)) continue;
        await env.svc.remove(ALICE, d.handle, n);
        removed.add(n);
      }
      await createMany(env, d.handle, [`new${page}a`, `new${page}b`], 2);
    }
    expect(new Set(seen).size).toBe(seen.length);
    const seenSet = new Set(seen);
    for (const n of initial) {
      if (removed.has(n)) continue;
      expect(seenSet.has(n), n).toBe(true);
    }
    const aheadRemoved = [...removed].filter((n) => !seen.includes(n));
    expect(aheadRemoved.length).toBeGreaterThan(0);
    expect(seen.filter((n) => n.startsWith("new")).length).toBeGreaterThan(0);
    expect((await env.svc.fsstat(d.handle)).totalFiles).toBeGreaterThan(0);
  });

  it("lets exactly one of concurrent creates of the same name win", async () => {
    const d = await env.svc.mkdir(ALICE, env.root, "d", { mode: 0o777 });
    for (const op of [
      (i: number) => env.svc.create({ ...ALICE, uid: 2000 + i }, d.handle, "same", {}, G),
      (i: number) => env.svc.mkdir({ ...ALICE, uid: 2000 + i }, d.handle, "samedir", {}),
      (i: number) => env.svc.symlink({ ...ALICE, uid: 2000 + i }, d.handle, "samelink", "t", {}),
    ]) {
      const results = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => op(i)));
      const won = results.filter((r) => r.status === "fulfilled");
      expect(won).toHaveLength(1);
      for (const r of results)
        if (r.status === "rejected") expect(r.reason).toMatchObject({ code: "EEXIST" });
    }
    // Distinct names at once all land, with distinct cookies, and the link count is exact.
    await Promise.all(Array.from({ length: 20 }, (_, i) => env.svc.mkdir(ALICE, d.handle, `s${i}`, {})));
    const list = await env.svc.readdir(ALICE, d.handle, 0n, null, 100);
    expect(list.entries).toHaveLength(23);
    expect(new Set(list.entries.map((e) => e.cookie)).size).toBe(23);
    expect((await env.svc.getattr(d.handle)).nlink).toBe(2 + 21);
  });
}

/** Direct CRUD checks on a store: ids, errno errors, ordering, roots, rollback atomicity. */
import { afterEach, beforeEach, expect, it } from "vitest";
import type { MetadataStore, NewInode } from "../../metadata-store.ts";
import { expectErrno, type StoreFactory, type StoreFixture } from "./harness.ts";

const T = { sec: 1_700_000_000, nsec: 5 };

export function fileInode(root: bigint, overrides: Partial<NewInode> = {}): NewInode {
  return {
    root,
    parent: 0n,
    type: "file",
    mode: 0o644,
    nlink: 1,
    uid: 1,
    gid: 2,
    size: 10,
    rdevMajor: 0,
    rdevMinor: 0,
    atime: T,
    mtime: T,
    ctime: T,
    btime: T,
    changeTime: null,
    dosAttributes: 0x20,
    payloadId: "p",
    target: null,
    verifier: null,
    entrySeq: 2n,
    ...overrides,
  };
}

export function storeCrudTests(factory: StoreFactory): void {
  let fixture: StoreFixture;
  let store: MetadataStore;
  let root: bigint;

  beforeEach(async () => {
    fixture = await factory();
    store = await fixture.open();
    root = await store.transaction(async (tx) => {
      const r = await tx.insertInode(fileInode(0n, { type: "dir", nlink: 2, payloadId: null }));
      await tx.setRoot("/s", r.id);
      return r.id;
    });
  });
  afterEach(async () => {
    await store.close();
    await fixture.destroy();
  });

  it("allocates distinct non-zero ids; a root names itself", async () => {
    const r = await store.getInode(root);
    expect(r).toMatchObject({ id: root, root, parent: root, type: "dir" });
    expect(root).not.toBe(0n);
    expect(await store.getRoot("/s")).toBe(root);
    expect(await store.getRoot("/other")).toBeUndefined();
    const ids = await store.transaction(async (tx) => [
      (await tx.insertInode(fileInode(root))).id,
      (await tx.insertInode(fileInode(root))).id,
    ]);
    expect(new Set([root, ...ids]).size).toBe(3);
  });

  it("round-trips every inode field", async () => {
    const rec = fileInode(root, {
      mode: 0o4755,
      uid: 4_000_000_000,
      gid: 3_000_000_000,
      size: 2 ** 40 + 3,
      rdevMajor: 8,
      rdevMinor: 1,
      btime: { sec: 1, nsec: 999_999_999 },
      changeTime: { time: { sec: -63_158_400, nsec: 100 }, at: { sec: 15_032_385_535, nsec: 7 } },
      dosAttributes: 0xffffffff,
      verifier: Buffer.from("12345678"),
      target: "t",
      entrySeq: 12_345_678_901n,
    });
    const id = await store.transaction(async (tx) => (await tx.insertInode(rec)).id);
    expect(await store.getInode(id)).toEqual({ ...rec, id });
  });

  it("round-trips an explicit change time and its removal", async () => {
    const set = { time: { sec: -1, nsec: 999_999_900 }, at: T };
    const rec = await store.transaction(async (tx) => tx.insertInode(fileInode(root, { changeTime: set })));
    expect((await store.getInode(rec.id))?.changeTime).toEqual(set);
    await store.transaction(async (tx) => tx.updateInode({ ...rec, changeTime: null }));
    expect((await store.getInode(rec.id))?.changeTime).toBeNull();
  });

  it("throws ESTALE for updating or deleting a missing inode", async () => {
    const rec = await store.transaction(async (tx) => tx.insertInode(fileInode(root)));
    await store.transaction(async (tx) => tx.deleteInode(rec.id));
    expect(await store.getInode(rec.id)).toBeUndefined();
    await expectErrno(
      store.transaction(async (tx) => tx.updateInode(rec)),
      "ESTALE",
    );
    await expectErrno(
      store.transaction(async (tx) => tx.deleteInode(rec.id)),
      "ESTALE",
    );
  });

  it("throws EEXIST for a duplicate entry and ENOENT for deleting a missing one", async () => {
    await store.transaction(async (tx) => tx.insertEntry({ parent: root, name: "a", child: 9n, seq: 3n }));
    await expectErrno(
      store.transaction(async (tx) => tx.insertEntry({ parent: root, name: "a", child: 10n, seq: 4n })),
      "EEXIST",
    );
    await expectErrno(
      store.transaction(async (tx) => tx.deleteEntry(root, "b")),
      "ENOENT",
    );
    expect(await store.getEntry(root, "a")).toEqual({ parent: root, name: "a", child: 9n, seq: 3n });
    expect(await store.transaction(async (tx) => tx.hasEntries(root))).toBe(true);
    await store.transaction(async (tx) => tx.deleteEntry(root, "a"));
    expect(await store.getEntry(root, "a")).toBeUndefined();
    expect(await store.transaction(async (tx) => tx.hasEntries(root))).toBe(false);
  });

  it("lists entries in seq order after a cookie, limited", async () => {
    await store.transaction(async (tx) => {
      for (const [i, name] of ["c", "a", "b", "d"].entries()) {
        const child = await tx.insertInode(fileInode(root));
        await tx.insertEntry({ parent: root, name, child: child.id, seq: BigInt(i + 3) });
      }
    });
    const all = await store.listEntries(root, 0n, 10);
    expect(all.map((e) => e.name)).toEqual(["c", "a", "b", "d"]);
    expect(all.map((e) => e.seq)).toEqual([3n, 4n, 5n, 6n]);
    expect((await store.listEntries(root, 4n, 1)).map((e) => e.name)).toEqual(["b"]);
    expect(all[0]!.inode.type).toBe("file");
  });

  it("rolls back every write of a failed transaction", async () => {
    const before = await store.getInode(root);
    let id = 0n;
    await expect(
      store.transaction(async (tx) => {
        const r = await tx.getInode(root);
        await tx.updateInode({ ...r!, nlink: 99 });
        id = (await tx.insertInode(fileInode(root))).id;
        await tx.insertEntry({ parent: root, name: "x", child: id, seq: 3n });
        await tx.setRoot("/t", id);
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await store.getInode(root)).toEqual(before);
    expect(await store.getInode(id)).toBeUndefined();
    expect(await store.getEntry(root, "x")).toBeUndefined();
    expect(await store.getRoot("/t")).toBeUndefined();
    expect(await store.listEntries(root, 0n, 10)).toEqual([]);
  });

  it("keeps concurrent transactions independent when some of them fail", async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) =>
        store.transaction(async (tx) => {
          const child = await tx.insertInode(fileInode(root, { size: i }));
          await tx.insertEntry({ parent: root, name: `n${i}`, child: child.id, seq: BigInt(i + 3) });
          if (i % 3 === 0) throw new Error(`fail ${i}`);
          return child.id;
        }),
      ),
    );
    const listed = await store.listEntries(root, 0n, 100);
    const want = Array.from({ length: 12 }, (_, i) => i).filter((i) => i % 3 !== 0);
    expect(listed.map((e) => e.name).sort()).toEqual(want.map((i) => `n${i}`).sort());
    expect(results.filter((r) => r.status === "rejected")).toHaveLength(4);
    for (const [i, r] of results.entries()) {
      if (r.status === "rejected") expect(await store.getEntry(root, `n${i}`)).toBeUndefined();
      else expect((await store.getInode(r.value))?.size).toBe(i);
    }
  });

  it("counts usage per share tree and finds orphans", async () => {
    await store.transaction(async (tx) => {
      await tx.insertInode(fileInode(root, { size: 100 }));
      await tx.insertInode(fileInode(root, { size: 50, nlink: 0 }));
      await tx.insertInode(fileInode(12345n, { size: 7 }));
    });
    expect(await store.usage(root)).toEqual({ files: 3, bytes: 150 });
    const orphans = await store.orphans(root, 10);
    expect(orphans).toHaveLength(1);
    expect((await store.getInode(orphans[0]!))?.size).toBe(50);
  });

  it("reports health", async () => {
    expect((await store.health()).ok).toBe(true);
  });
}

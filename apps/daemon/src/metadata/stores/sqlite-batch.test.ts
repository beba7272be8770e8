import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { fileInode } from "../testing/conformance/store-crud.ts";
import { SqliteMetadataStore } from "./sqlite.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("SQLite group commit", () => {
  it("commits every transaction of a burst, including the one a close was queued behind", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dittofs-sqlite-"));
    dirs.push(dir);
    const path = join(dir, "m.sqlite");
    const a = SqliteMetadataStore.open(path);
    const burst = Array.from({ length: 50 }, (_, i) =>
      a.transaction(async (tx) => (await tx.insertInode(fileInode(1n, { size: i }))).id),
    );
    const closing = a.close();
    const ids = await Promise.all(burst);
    await closing;
    await expect(a.transaction(async () => 1)).rejects.toMatchObject({ code: "EIO" });
    const b = SqliteMetadataStore.open(path);
    for (const [i, id] of ids.entries()) expect(b.getInode(id)?.size).toBe(i);
    expect(b.usage(1n).files).toBe(50);
    await b.close();
  });

  it("settles a transaction only after its batch is committed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dittofs-sqlite-"));
    dirs.push(dir);
    const path = join(dir, "m.sqlite");
    const a = SqliteMetadataStore.open(path);
    const first = a.transaction(async (tx) => (await tx.insertInode(fileInode(1n))).id);
    const second = a.transaction(async (tx) => (await tx.insertInode(fileInode(1n))).id);
    const id = await first;
    // A second connection sees only committed data: the first result implies a COMMIT happened.
    const reader = SqliteMetadataStore.open(path);
    expect(reader.getInode(id)).toBeDefined();
    await second;
    await reader.close();
    await a.close();
  });

  it("never reuses a fileid, across deletes, rollbacks and reopens", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dittofs-sqlite-"));
    dirs.push(dir);
    const path = join(dir, "m.sqlite");
    const a = SqliteMetadataStore.open(path);
    const ids: bigint[] = [];
    for (let i = 0; i < 3; i++)
      ids.push(await a.transaction(async (tx) => (await tx.insertInode(fileInode(1n))).id));
    await expect(
      a.transaction(async (tx) => {
        ids.push((await tx.insertInode(fileInode(1n))).id);
        throw new Error("rollback");
      }),
    ).rejects.toThrow("rollback");
    const last = ids.at(-2)!;
    await a.transaction(async (tx) => tx.deleteInode(last));
    await a.close();
    const b = SqliteMetadataStore.open(path);
    const fresh = await b.transaction(async (tx) => (await tx.insertInode(fileInode(1n))).id);
    expect(ids).not.toContain(fresh);
    expect(fresh).toBeGreaterThan(ids.at(-1)!);
    await b.close();
  });
});

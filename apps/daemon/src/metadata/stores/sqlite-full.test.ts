/**
 * A full database (SQLITE_FULL) makes SQLite roll the whole open transaction back by itself — here
 * a group-commit batch holding other callers' writes. Every member of the lost batch must fail
 * (ENOSPC), nothing may be committed behind a caller that was told it failed, later transactions
 * must start a fresh batch, and the cache must not keep the lost writes.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FsError } from "../../domain/errors.ts";
import { fileInode } from "../testing/conformance/store-crud.ts";
import { SqliteMetadataStore } from "./sqlite.ts";

const MAX_BYTES = 64 * 1024;
const BURST = 120;
/** Each member's symlink target: a few members fill MAX_BYTES. */
const TARGET = "t".repeat(1500);

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("SQLite store when the database is full", () => {
  it("fails every member of a batch SQLite rolled back and commits nothing behind their back", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dittofs-sqlite-full-"));
    dirs.push(dir);
    const path = join(dir, "m.sqlite");
    const a = SqliteMetadataStore.open(path, { maxBytes: MAX_BYTES });

    // The id each body wrote, by member; the burst queues on the store and shares batches.
    const wrote = new Map<number, bigint[]>();
    const note = (i: number, id: bigint) => wrote.set(i, [...(wrote.get(i) ?? []), id]);
    const burst = Array.from({ length: BURST }, (_, i) =>
      a.transaction(async (tx) => {
        if (i === 3) {
          // Caught by the body: it must not go on writing outside the rolled-back batch.
          try {
            await tx.insertInode(fileInode(1n, { type: "symlink", target: "x".repeat(256 * 1024) }));
          } catch {}
          note(i, (await tx.insertInode(fileInode(1n))).id);
          return;
        }
        note(i, (await tx.insertInode(fileInode(1n, { type: "symlink", target: TARGET }))).id);
      }),
    );
    const results = await Promise.allSettled(burst);

    const ok = results.flatMap((r, i) => (r.status === "fulfilled" ? [i] : []));
    const failed = results.flatMap((r, i) => (r.status === "rejected" ? [i] : []));
    for (const i of failed) {
      const reason = (results[i] as PromiseRejectedResult).reason;
      expect(reason, `member ${i}`).toBeInstanceOf(FsError);
      expect(["ENOSPC", "EIO"]).toContain(reason.code);
    }
    expect(failed).toContain(3);
    // Some batches were lost with members that had succeeded inside them, and some committed.
    expect(failed.length).toBeGreaterThan(1);
    expect(ok.length).toBeGreaterThan(0);

    const okIds = ok.flatMap((i) => wrote.get(i) ?? []);
    const lostIds = failed.flatMap((i) => wrote.get(i) ?? []);
    for (const id of okIds) expect(a.getInode(id)?.target).toBe(TARGET);
    for (const id of lostIds) expect(a.getInode(id), `lost id ${id}`).toBeUndefined();

    // The store goes on working: reads in a transaction, a delete, and the ids stay unique.
    const victim = okIds[0]!;
    await a.transaction(async (tx) => tx.deleteInode(victim));
    expect(a.getInode(victim)).toBeUndefined();
    await a.close();

    // Another connection sees exactly what the callers were told was committed.
    const b = SqliteMetadataStore.open(path);
    for (const id of okIds.slice(1)) expect(b.getInode(id)?.target).toBe(TARGET);
    for (const id of [victim, ...lostIds]) expect(b.getInode(id), `id ${id}`).toBeUndefined();
    expect(b.usage(1n).files).toBe(okIds.length - 1);
    const fresh = await b.transaction(async (tx) => (await tx.insertInode(fileInode(1n))).id);
    expect([...okIds, ...lostIds]).not.toContain(fresh);
    await b.close();
  });
});

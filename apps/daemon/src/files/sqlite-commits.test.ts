/**
 * Which file-service calls make a SQLite commit of their own. The size and mtime of UNSTABLE
 * WRITEs (docs/architecture.md "Sizes of unstable writes"): every read sees them at once, the
 * database gets them with the COMMIT (NFS COMMIT, SMB FLUSH or CLOSE), never one SQLite commit per
 * WRITE; a stable WRITE is durable on its own. A reaped orphan's record goes with the next durable
 * transaction ("Removing a file"). What another connection to the database sees is what a crash
 * (SIGKILL) would leave.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { checkHandle } from "../metadata/handle.ts";
import { DefaultMetadataService } from "../metadata/service.ts";
import { SqliteMetadataStore } from "../metadata/stores/sqlite.ts";
import { memoryPayload } from "../metadata/testing/memory-payload.ts";
import { shareInfo } from "../runtime/testing/adapter-context.ts";
import { FileService } from "./service.ts";

const ALICE = { uid: 1001, gid: 1001, gids: [] };
const logger = pino({ level: "silent" });
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function sqliteFiles(path: string) {
  const payload = await memoryPayload(logger, ["/export"]);
  const metadata = new DefaultMetadataService({ logger });
  const store = SqliteMetadataStore.open(path);
  await metadata.addShare(shareInfo("/export"), store);
  const files = new FileService({ metadata, payload });
  const root = files.resolve(ALICE, metadata.rootHandle("/export"));
  const close = async () => {
    await store.close();
    await payload.close();
  };
  return { files, root, store, close };
}

/** The inode row the database holds for the file: what a restart after SIGKILL would read. */
function committedRow(path: string, handle: Buffer): { size: number; nlink: number } | undefined {
  const db = new Database(path, { readonly: true });
  try {
    const row = db.prepare("SELECT size, nlink FROM inodes WHERE id = ?").get(checkHandle(handle));
    return row as { size: number; nlink: number } | undefined;
  } finally {
    db.close();
  }
}

function committedSize(path: string, handle: Buffer): number | undefined {
  return committedRow(path, handle)?.size;
}

function fresh(): string {
  const dir = mkdtempSync(join(tmpdir(), "dittofs-files-unstable-"));
  cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
  return join(dir, "metadata.sqlite");
}

describe("size of UNSTABLE writes over SQLite", () => {
  it("is seen at once, committed by COMMIT, and kept across a restart", async () => {
    const path = fresh();
    const s = await sqliteFiles(path);
    const made = await s.files.create(s.root, "f", { mode: 0o644 }, { mode: "unchecked" });
    const f = s.files.resolve(ALICE, made.handle);
    const page = Buffer.alloc(4096, 7);
    for (let i = 0; i < 4; i++) {
      const w = await s.files.write(f, { offset: BigInt(i * 4096), data: page, stability: "unstable" });
      expect(w.after?.size).toBe((i + 1) * 4096);
    }
    expect((await s.files.getattr(f)).size).toBe(16384);
    const read = await s.files.read(f, { offset: 12288, count: 8192 });
    expect([read.length, read.eof]).toEqual([4096, true]);
    // No SQLite commit for the WRITEs: a crash now would leave the size of the CREATE.
    expect(committedSize(path, made.handle)).toBe(0);
    const { after } = await s.files.commit(f);
    expect(after.size).toBe(16384);
    expect(committedSize(path, made.handle)).toBe(16384);
    await s.close();

    const again = await sqliteFiles(path);
    cleanup.push(again.close);
    expect((await again.files.getattr(again.files.resolve(ALICE, made.handle))).size).toBe(16384);
  });

  it("is committed by a stable WRITE itself and by an SMB CLOSE of a written open", async () => {
    const path = fresh();
    const s = await sqliteFiles(path);
    cleanup.push(s.close);
    const made = await s.files.create(s.root, "g", { mode: 0o644 }, { mode: "unchecked" });
    const f = s.files.resolve(ALICE, made.handle);
    await s.files.write(f, { offset: 0n, data: Buffer.alloc(100, 1), stability: "file_sync" });
    expect(committedSize(path, made.handle)).toBe(100);
    await s.files.write(f, { offset: 100n, data: Buffer.alloc(100, 1), stability: "unstable" });
    expect(committedSize(path, made.handle)).toBe(100);
    await s.files.close(f, { written: true, unlink: () => null, retained: false });
    expect(committedSize(path, made.handle)).toBe(200);
  });
});

describe("reaped orphans over SQLite", () => {
  it("leave with the next durable transaction, their payload deleted first", async () => {
    const path = fresh();
    const s = await sqliteFiles(path);
    cleanup.push(s.close);
    const made = await s.files.create(s.root, "doomed", { mode: 0o644 }, { mode: "unchecked" });
    const f = s.files.resolve(ALICE, made.handle);
    await s.files.write(f, { offset: 0n, data: Buffer.alloc(4096, 3), stability: "file_sync" });
    await s.files.remove(s.root, "doomed");
    await s.files.reaped();
    await expect(s.files.getattr(f)).rejects.toMatchObject({ code: "ESTALE" });
    // The REMOVE committed the orphan (nlink 0); its record's delete made no commit of its own: a
    // crash now leaves the orphan for the start-up sweep.
    expect(committedRow(path, made.handle)).toMatchObject({ nlink: 0 });
    await s.files.create(s.root, "next", { mode: 0o644 }, { mode: "unchecked" });
    expect(committedRow(path, made.handle)).toBeUndefined();
  });
});

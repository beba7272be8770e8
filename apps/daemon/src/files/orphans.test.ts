/**
 * Removing a file (files/orphans.ts): the payload is deleted and made durable before the orphan's
 * inode record goes, and a crash between the steps leaves nothing behind after the next start.
 * The stores (metadata, block store, WAL directory) outlive a "process": its services are made
 * again over them, as a restart does.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FsError } from "../domain/errors.ts";
import type { MetadataStore } from "../metadata/metadata-store.ts";
import { DefaultMetadataService } from "../metadata/service.ts";
import { MemoryMetadataStore } from "../metadata/stores/memory.ts";
import { PostgresMetadataStore } from "../metadata/stores/postgres.ts";
import { freshSchemaUrl } from "../metadata/testing/postgres-fixture.ts";
import { payloadPrefix } from "../payload/block-store/keys.ts";
import { MemoryBlockStore } from "../payload/block-store/memory.ts";
import { DefaultPayloadService } from "../payload/service.ts";
import { FaultyBlockStore } from "../payload/testing/faulty-store.ts";
import { listKeys, waitFor } from "../payload/testing/wait.ts";
import { shareInfo } from "../runtime/testing/adapter-context.ts";
import { REAP_PENDING_MAX } from "./orphans.ts";
import { FileService } from "./service.ts";

const logger = pino({ level: "silent" });
const S = "/export";
const ALICE = { uid: 1000, gid: 1000, gids: [] };
const DATA = Buffer.alloc(100_000, 7);

/** What outlives a process. */
interface Disk {
  meta: MetadataStore;
  blocks: FaultyBlockStore;
  wal: string;
}

/** The payload service of a process that dies just before it would delete a payload. */
class DiesBeforePayloadDelete extends DefaultPayloadService {
  override async delete(): Promise<void> {
    throw new FsError("EIO", "process died before the payload delete");
  }
}

/** The metadata service of a process that dies just before an orphan's record would go. */
class DiesBeforeReap extends DefaultMetadataService {
  override async reap(): Promise<void> {
    throw new FsError("EIO", "process died before the inode record went");
  }
}

/** Payload deletes wait at a gate the test opens; every delete, commit and reap is logged. */
class Gated extends DefaultPayloadService {
  readonly log: string[] = [];
  open!: () => void;
  private readonly gate = new Promise<void>((resolve) => {
    this.open = resolve;
  });
  override async delete(share: string, id: string): Promise<void> {
    this.log.push(`delete ${id}`);
    await super.delete(share, id);
    await this.gate;
  }
  override async commit(share: string, id: string): Promise<void> {
    this.log.push(`commit ${id}`);
    await super.commit(share, id);
  }
}

/** Every delete and commit is logged. */
class Logged extends DefaultPayloadService {
  readonly log: string[] = [];
  override async delete(share: string, id: string): Promise<void> {
    this.log.push(`delete ${id}`);
    await super.delete(share, id);
  }
  override async commit(share: string, id: string): Promise<void> {
    this.log.push(`commit ${id}`);
    await super.commit(share, id);
  }
}

class LoggedReaps extends DefaultMetadataService {
  log: string[] = [];
  override async reap(handle: Buffer): Promise<void> {
    this.log.push("reap");
    await super.reap(handle);
  }
}

let disk: Disk;
const running: DefaultPayloadService[] = [];

beforeEach(async () => {
  disk = {
    meta: new MemoryMetadataStore(),
    blocks: new FaultyBlockStore(new MemoryBlockStore()),
    wal: await mkdtemp(path.join(os.tmpdir(), "dittofs-orphans-")),
  };
});
afterEach(async () => {
  for (const p of running.splice(0)) await p.close();
  await rm(disk.wal, { recursive: true, force: true });
});

/** A process over `disk`, registering the share as the Runtime does (sweep last). */
async function start(
  kinds: { payload?: typeof DefaultPayloadService; metadata?: typeof DefaultMetadataService } = {},
  reapBatchDelayMs?: number,
) {
  const payload = new (kinds.payload ?? DefaultPayloadService)({
    logger,
    cacheSizeBytes: 1 << 24,
    walDir: disk.wal,
    transferConcurrency: 2,
  });
  running.push(payload);
  await payload.addShare(S, disk.blocks);
  const metadata = new (kinds.metadata ?? DefaultMetadataService)({ logger });
  await metadata.addShare(shareInfo(S), disk.meta);
  const files = new FileService({ metadata, payload, reapBatchDelayMs });
  const swept = await files.sweepOrphans(S);
  const root = files.connect(ALICE, S, {});
  /** The process ends (as far as the disk can tell, like a crash: nothing more is done). */
  const stop = async () => {
    running.splice(running.indexOf(payload), 1);
    await payload.close();
    await metadata.removeShare(S);
  };
  return { payload, metadata, files, root, swept, stop };
}

type Proc = Awaited<ReturnType<typeof start>>;

/** A file whose data is in the block store; returns its payload id. */
async function storedFile(p: Proc, name: string): Promise<string> {
  const f = await p.files.create(p.root, name, {}, { mode: "guarded" });
  await p.files.write(p.files.resolve(ALICE, f.handle), { offset: 0n, data: DATA, stability: "file_sync" });
  await p.payload.flushAll();
  const id = f.attr.payloadId!;
  await waitFor(async () => (await blocksOf(id)).length > 0, "upload");
  return id;
}

const blocksOf = (id: string) => listKeys(disk.blocks.inner, payloadPrefix(id));

async function orphansOnDisk(): Promise<bigint[]> {
  return disk.meta.orphans((await disk.meta.getRoot(S))!, 100);
}

/**
 * A process that stores file "f", removes it and dies where `kinds` says; returns its payload id.
 * The orphan and the file's blocks are still on disk afterwards.
 */
async function removeThenCrash(kinds: Parameters<typeof start>[0]): Promise<string> {
  const a = await start(kinds);
  const id = await storedFile(a, "f");
  await a.files.remove(a.root, "f");
  await a.files.reaped();
  expect(await orphansOnDisk()).toHaveLength(1);
  await a.stop();
  expect(await blocksOf(id)).not.toEqual([]);
  return id;
}

describe("removing a file", () => {
  it("deletes the payload, makes that durable, then removes the inode record", async () => {
    const p = await start({ payload: Gated, metadata: LoggedReaps });
    const gated = p.payload as Gated;
    const id = await storedFile(p, "f");
    await p.files.remove(p.root, "f");
    // The reply did not wait for the delete to settle, yet the data is gone at once.
    expect(gated.log).toEqual([`delete ${id}`]);
    expect((await p.payload.readAt(S, id, 0, 4)).equals(Buffer.alloc(4))).toBe(true);
    expect(await orphansOnDisk()).toHaveLength(1);
    gated.open();
    await p.files.reaped();
    expect(gated.log).toEqual([`delete ${id}`, `commit ${id}`]);
    expect((p.metadata as LoggedReaps).log).toEqual(["reap"]);
    expect(await orphansOnDisk()).toEqual([]);
    await waitFor(async () => (await blocksOf(id)).length === 0, "block GC");
  });

  it("finishes the orphans of files removed one after another together (their commits coincide)", async () => {
    // A delay no test run reaches: the batch starts when reaped() asks for it.
    const p = await start({ payload: Logged, metadata: LoggedReaps }, 3_600_000);
    const logged = p.payload as Logged;
    const ids: string[] = [];
    for (const name of ["a", "b", "c"]) {
      ids.push((await p.files.create(p.root, name, {}, { mode: "guarded" })).attr.payloadId!);
    }
    for (const name of ["a", "b", "c"]) {
      await p.files.remove(p.root, name);
      await new Promise((r) => setImmediate(r));
    }
    // Each payload was deleted at once; none of the deletes was made durable yet.
    expect(logged.log).toEqual(ids.map((id) => `delete ${id}`));
    expect(await orphansOnDisk()).toHaveLength(3);
    await p.files.reaped();
    expect(logged.log).toEqual([...ids.map((id) => `delete ${id}`), ...ids.map((id) => `commit ${id}`)]);
    expect((p.metadata as LoggedReaps).log).toEqual(["reap", "reap", "reap"]);
    expect(await orphansOnDisk()).toEqual([]);
  });

  it(`waits once ${REAP_PENDING_MAX} orphans are being reaped`, async () => {
    const p = await start({ payload: Gated });
    const gated = p.payload as Gated;
    const n = REAP_PENDING_MAX + 1;
    for (let i = 0; i < n; i++) await p.files.create(p.root, `f${i}`, {}, { mode: "guarded" });
    for (let i = 0; i < REAP_PENDING_MAX; i++) await p.files.remove(p.root, `f${i}`);
    let last = false;
    const blocked = p.files.remove(p.root, `f${REAP_PENDING_MAX}`).then(() => {
      last = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(last).toBe(false);
    gated.open();
    await blocked;
    await p.files.reaped();
    expect(gated.log.filter((l) => l.startsWith("delete"))).toHaveLength(n);
    expect(await orphansOnDisk()).toEqual([]);
  });
});

/** The metadata stores a crash is tried on (PostgreSQL: a share with local blocks, one daemon). */
describe.each(["memory", "postgres"])("a crash while removing a file, on the %s store", (kind) => {
  beforeEach(async () => {
    if (kind === "postgres") disk.meta = await PostgresMetadataStore.open(await freshSchemaUrl());
  });
  afterEach(async () => {
    if (kind === "postgres") await disk.meta.close();
  });

  it("a crash after the last link went, before the payload delete: the next start deletes both", async () => {
    const id = await removeThenCrash({ payload: DiesBeforePayloadDelete });
    const b = await start();
    expect(b.swept).toBe(1);
    expect(await orphansOnDisk()).toEqual([]);
    await waitFor(async () => (await blocksOf(id)).length === 0, "the swept orphan's blocks deleted");
  });

  it("a crash after the payload delete, before the inode record went: nothing leaks after the next start", async () => {
    // The process dies before block GC could delete anything: only the WAL record says it must.
    disk.blocks.failDeletes = true;
    const id = await removeThenCrash({ metadata: DiesBeforeReap });
    disk.blocks.failDeletes = false;
    const b = await start();
    expect(b.swept).toBe(1);
    expect(await orphansOnDisk()).toEqual([]);
    await waitFor(async () => (await blocksOf(id)).length === 0, "the orphan's blocks deleted");
    await expect(b.files.lookup(b.root, "f")).rejects.toMatchObject({ code: "ENOENT" });
  });
});

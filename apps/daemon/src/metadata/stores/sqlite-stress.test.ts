/**
 * Many shares of one SQLite store (like the bootstrap `default` store) registered and used at the
 * same moment, with failing operations (EEXIST, ENOENT, throwing transaction bodies, bodies that
 * await a timer) mixed into the group-committed batches; afterwards the store must still work and
 * every share's tree must be consistent, in memory and after a reopen.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { isFsError } from "../../domain/errors.ts";
import { prng } from "../../domain/testing/prng.ts";
import { DefaultMetadataService } from "../service.ts";
import { ALICE, share } from "../testing/conformance/harness.ts";
import { fileInode } from "../testing/conformance/store-crud.ts";
import { memoryPayload } from "../testing/memory-payload.ts";
import { SqliteMetadataStore } from "./sqlite.ts";

const logger = pino({ level: "silent" });
const SHARES = ["/a", "/b", "/c", "/d", "/e"];
const OPS_PER_SHARE = 120;
const SEED = 0x5eed;

const dirs: string[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function start(path: string) {
  const payload = await memoryPayload(logger, SHARES);
  const store = SqliteMetadataStore.open(path);
  const svc = new DefaultMetadataService({ logger });
  const stop = async () => {
    await store.close();
    await payload.close();
  };
  cleanups.push(stop);
  return { store, svc, stop };
}

type Svc = DefaultMetadataService;

/** Every directory's listing, nlink and parent checked; returns `path -> type` for the whole tree. */
async function walk(svc: Svc, store: SqliteMetadataStore, name: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const rootAttr = await svc.getattr(svc.rootHandle(name));
  let inodes = 1;
  const visit = async (dir: Buffer, path: string, depth: number): Promise<void> => {
    expect(depth).toBeLessThan(64);
    const listed = await svc.readdir(ALICE, dir, 0n, null, 4096);
    expect(listed.eof).toBe(true);
    let subdirs = 0;
    for (const e of listed.entries) {
      const child = await svc.lookup(ALICE, dir, e.name);
      expect(child.attr.fileid).toBe(e.fileid);
      expect(child.attr.fsid).toBe(rootAttr.fsid);
      out.set(`${path}/${e.name}`, child.attr.type);
      inodes++;
      if (child.attr.type === "dir") {
        subdirs++;
        await visit(child.handle, `${path}/${e.name}`, depth + 1);
      }
    }
    expect((await svc.getattr(dir)).nlink).toBe(2 + subdirs);
  };
  await visit(svc.rootHandle(name), "", 0);
  // No inode of this share's tree is unreachable (a half-applied transaction would leave one),
  // but the orphans of removed files whose reap (the file service's step) never ran.
  const orphans = store.orphans(rootAttr.fileid, 1 << 20).length;
  expect(store.usage(rootAttr.fileid).files).toBe(inodes + orphans);
  return out;
}

/** One random operation; failures must be the errnos the operation can legitimately return. */
async function randomOp(
  svc: Svc,
  store: SqliteMetadataStore,
  name: string,
  rnd: () => number,
): Promise<string> {
  const root = svc.rootHandle(name);
  const pick = () => `n${Math.floor(rnd() * 12)}`;
  const sub = async () => {
    const d = await svc.lookup(ALICE, root, "sub");
    return d.handle;
  };
  const r = rnd();
  if (r < 0.25) await svc.create(ALICE, root, pick(), { mode: 0o644 }, { mode: "guarded" });
  else if (r < 0.35) await svc.mkdir(ALICE, root, pick(), { mode: 0o755 });
  else if (r < 0.5) await svc.rename(ALICE, root, pick(), root, pick());
  else if (r < 0.6) await svc.rename(ALICE, root, pick(), await sub(), pick());
  else if (r < 0.7) await svc.remove(ALICE, root, pick());
  else if (r < 0.75) await svc.rmdir(ALICE, root, pick());
  else if (r < 0.8) await svc.create(ALICE, await sub(), pick(), { mode: 0o600 }, { mode: "guarded" });
  else if (r < 0.88) {
    // A body that writes, then throws: none of its writes may survive.
    await store.transaction(async (tx) => {
      await tx.insertInode(fileInode(1n));
      throw new Error("boom");
    });
  } else if (r < 0.94) {
    // A body that yields to the event loop mid-transaction (others queue behind it).
    await store.transaction(async (tx) => {
      await new Promise((res) => setTimeout(res, 1));
      return tx.hasEntries(0n);
    });
  } else await svc.getattr(root);
  return "ok";
}

function classify(result: PromiseSettledResult<unknown>): string {
  if (result.status === "fulfilled") return "ok";
  const e = result.reason as Error;
  if (e.message === "boom") return "boom";
  if (isFsError(e) && ["EEXIST", "ENOENT", "ENOTEMPTY", "ENOTDIR", "EISDIR", "EINVAL"].includes(e.code))
    return e.code;
  return `unexpected ${e.name}: ${e.message}`;
}

describe("SQLite store under concurrent shares and operations", () => {
  it("registers shares at the same moment, survives failing operations, keeps every tree consistent", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dittofs-sqlite-stress-"));
    dirs.push(dir);
    const path = join(dir, "metadata.sqlite");
    const a = await start(path);

    // Registration of all shares at once, one of them twice, with transactions interleaved.
    const adds = await Promise.allSettled([
      ...SHARES.map((n) => a.svc.addShare(share({ name: n }), a.store)),
      a.svc.addShare(share({ name: SHARES[0] }), a.store),
      a.store.transaction(async () => {
        throw new Error("boom");
      }),
    ]);
    expect(adds.slice(0, SHARES.length).map(classify)).toEqual(SHARES.map(() => "ok"));
    // The same share added twice concurrently: exactly one registration wins.
    expect(classify(adds[SHARES.length]!)).toBe("EEXIST");
    expect(classify(adds[SHARES.length + 1]!)).toBe("boom");
    for (const n of SHARES) await a.svc.mkdir(ALICE, a.svc.rootHandle(n), "sub", { mode: 0o777 });

    const rnd = prng(SEED);
    const ops: Promise<string>[] = [];
    for (let i = 0; i < OPS_PER_SHARE; i++)
      for (const n of SHARES) ops.push(randomOp(a.svc, a.store, n, rnd));
    const outcomes = (await Promise.allSettled(ops)).map(classify);
    const unexpected = outcomes.filter((o) => o.startsWith("unexpected"));
    expect(unexpected, `seed ${SEED}`).toEqual([]);
    // The mix really contained successes and each kind of failure.
    for (const kind of ["ok", "boom", "EEXIST", "ENOENT"]) expect(outcomes).toContain(kind);

    // The store still works, and every tree is consistent now and after a reopen.
    await a.svc.create(ALICE, a.svc.rootHandle(SHARES[1]!), "after", {}, { mode: "guarded" });
    const trees = new Map<string, Map<string, string>>();
    for (const n of SHARES) trees.set(n, await walk(a.svc, a.store, n));
    await a.stop();
    cleanups.pop();

    const b = await start(path);
    for (const n of SHARES) await b.svc.addShare(share({ name: n }), b.store);
    for (const n of SHARES) expect(await walk(b.svc, b.store, n)).toEqual(trees.get(n));
  });
  it("closes in the middle of a burst: what ran is committed, the rest fails EIO, the trees stay consistent", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dittofs-sqlite-stress-"));
    dirs.push(dir);
    const path = join(dir, "metadata.sqlite");
    const a = await start(path);
    for (const n of SHARES) await a.svc.addShare(share({ name: n }), a.store);
    for (const n of SHARES) await a.svc.mkdir(ALICE, a.svc.rootHandle(n), "sub", { mode: 0o777 });

    const rnd = prng(SEED + 1);
    const ops: Promise<string>[] = [];
    for (let i = 0; i < OPS_PER_SHARE / 4; i++)
      for (const n of SHARES) ops.push(randomOp(a.svc, a.store, n, rnd));
    const closing = a.store.close();
    const outcomes = (await Promise.allSettled(ops)).map((r) =>
      r.status === "rejected" && isFsError(r.reason, "EIO") && r.reason.message.includes("store closed")
        ? "closed"
        : classify(r),
    );
    await closing;
    // Reads that miss the cache after close fail as errno too.
    expect(() => a.store.getRoot("/never")).toThrow(expect.objectContaining({ code: "EIO" }));
    expect(
      outcomes.filter((o) => o.startsWith("unexpected")),
      `seed ${SEED + 1}`,
    ).toEqual([]);
    expect(outcomes).toContain("ok");
    expect(outcomes).toContain("closed");
    cleanups.pop();
    await a.stop().catch(() => undefined);

    const b = await start(path);
    for (const n of SHARES) await b.svc.addShare(share({ name: n }), b.store);
    for (const n of SHARES) await walk(b.svc, b.store, n);
    await b.svc.create(ALICE, b.svc.rootHandle(SHARES[0]!), "after", {}, { mode: "guarded" });
  });
});

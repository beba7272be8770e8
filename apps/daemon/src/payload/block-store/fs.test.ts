import { randomBytes } from "node:crypto";
import { constants, promises as fsp } from "node:fs";
import {
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  truncate,
  writeFile,
} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import type { BlockStore } from "../types.ts";
import { describeBlockStore } from "./conformance.ts";
import { FsBlockStore } from "./fs.ts";
import { crcOf } from "./fs-sealed.ts";

async function collectKeys(it: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const k of it) out.push(k);
  return out;
}

/**
 * A root as a version before layout 2 left it: a payload directory, no marker (fs-layout.ts).
 * The store opened on it keeps layout 1.
 */
async function layout1Root(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "dittofs-fsblocks-"));
  await mkdir(path.join(dir, "legacy", "chunk-0"), { recursive: true });
  await writeFile(path.join(dir, "legacy", "chunk-0", "block-0"), "written by layout 1");
  return dir;
}

describeBlockStore("fs", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "dittofs-fsblocks-"));
  return {
    store: await new FsBlockStore(dir).open(),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

describeBlockStore("fs, layout 1 root", async () => {
  const dir = await layout1Root();
  return {
    store: await new FsBlockStore(dir).open(),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

/** The engine's way of writing (uploads.ts DEFER_SYNC): same semantics, durable at flush(). */
function deferring(inner: FsBlockStore): BlockStore {
  const opts = { deferSync: true };
  return {
    type: inner.type,
    put: (k, d) => inner.put(k, d, opts),
    get: (k, o, l) => inner.get(k, o, l),
    delete: (k) => inner.delete(k, opts),
    list: (p) => inner.list(p),
    flush: () => inner.flush(),
    health: () => inner.health(),
    close: async () => {
      await inner.flush();
      await inner.close();
    },
  };
}

describeBlockStore("fs, deferred sync", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "dittofs-fsblocks-"));
  return {
    store: deferring(await new FsBlockStore(dir).open()),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

describeBlockStore("fs, layout 1 root, deferred sync", async () => {
  const dir = await layout1Root();
  return {
    store: deferring(await new FsBlockStore(dir).open()),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

describe("fs block store, layout 1 (a root written before layout 2)", () => {
  it("keeps one file per block under its directory and leaves no temp files", async () => {
    const dir = await layout1Root();
    const store = await new FsBlockStore(dir).open();
    await Promise.all([0, 1, 2].map((b) => store.put(`pay/chunk-0/block-${b}`, Buffer.alloc(10, b))));
    expect((await readdir(path.join(dir, "pay", "chunk-0"))).sort()).toEqual([
      "block-0",
      "block-1",
      "block-2",
    ]);
    await rm(dir, { recursive: true, force: true });
  });

  it("deferred puts of new and existing keys and deferred deletes read back whole, then flush", async () => {
    const dir = await layout1Root();
    const store = await new FsBlockStore(dir).open();
    const opts = { deferSync: true };
    await store.put("q/chunk-0/block-0", Buffer.alloc(5000, 1), opts);
    await store.put("q/chunk-0/block-0", Buffer.alloc(7000, 2), opts);
    await store.put("q/chunk-0/block-1", Buffer.alloc(10, 3), opts);
    await store.delete("q/chunk-0/block-1", opts);
    expect((await store.get("q/chunk-0/block-0")).equals(Buffer.alloc(7000, 2))).toBe(true);
    await expect(store.get("q/chunk-0/block-1")).rejects.toMatchObject({ code: "ENOENT" });
    await store.flush();
    await store.flush(); // nothing left: a no-op
    expect(await readdir(path.join(dir, "q", "chunk-0"))).toEqual(["block-0"]);
    await rm(dir, { recursive: true, force: true });
  });

  it("a delete of a directory's last block prunes the empty directories; flush and later puts still work", async () => {
    const dir = await layout1Root();
    const store = await new FsBlockStore(dir).open();
    const opts = { deferSync: true };
    await store.put("p/chunk-0/block-0", Buffer.alloc(10, 1), opts);
    await store.put("p/chunk-1/block-0", Buffer.alloc(10, 2), opts);
    await store.delete("p/chunk-0/block-0", opts);
    expect(await readdir(path.join(dir, "p"))).toEqual(["chunk-1"]);
    await store.delete("p/chunk-1/block-0", opts);
    expect((await readdir(dir)).sort()).toEqual([".tmp-staging", "legacy"]); // and the temp files' directory
    await store.flush();
    // A key whose directory never existed: nothing changed, nothing left for flush to fail on.
    await store.delete("never/chunk-0/block-0", opts);
    await store.flush();
    await store.put("p/chunk-0/block-3", Buffer.alloc(10, 3), opts);
    await store.flush();
    expect((await store.get("p/chunk-0/block-3")).equals(Buffer.alloc(10, 3))).toBe(true);
    await rm(dir, { recursive: true, force: true });
  });

  it("temp files a crash left are removed at open; a live process's and this one's are kept", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "dittofs-fsblocks-"));
    const a = await new FsBlockStore(dir).open();
    const staged = a.stage!("s/chunk-0/block-0");
    await staged.write(0, [randomBytes(5000)]);
    const [own] = await readdir(path.join(dir, ".tmp-staging"));
    // A SIGKILLed process's stages and puts in flight (no such pid: above Linux's pid_max), and an
    // earlier process that had this one's pid (another token).
    const dead = path.join(dir, ".tmp-staging", "2147483646-00c0ffee");
    const samePid = path.join(dir, ".tmp-staging", `${process.pid}-0badf00d`);
    for (const d of [dead, samePid]) {
      await mkdir(d, { recursive: true });
      await writeFile(path.join(d, ".tmp-0123456789ab"), randomBytes(100));
    }
    // The parent of this process is alive: its temp files are not this store's to remove.
    const live = path.join(dir, ".tmp-staging", `${process.ppid}-12345678`);
    await mkdir(live, { recursive: true });
    await writeFile(path.join(live, ".tmp-ba9876543210"), randomBytes(100));
    const b = await new FsBlockStore(dir).open(); // a restart on the same root
    expect((await readdir(path.join(dir, ".tmp-staging"))).sort()).toEqual(
      [own!, path.basename(live)].sort(),
    );
    expect(await readdir(live)).toHaveLength(1);
    // The stage of the other store instance in this process survived the sweep and publishes.
    await staged.publish();
    expect((await b.get("s/chunk-0/block-0")).length).toBe(5000);
    expect(await collectKeys(b.list(""))).toEqual(["s/chunk-0/block-0"]);
    await rm(dir, { recursive: true, force: true });
  });

  /**
   * Stages and seals each block as a CLOSE does (fs-adopt.ts) in one process, which then dies;
   * returns the sealed files, in order.
   */
  async function sealInDeadProcess(dir: string, blocks: [key: string, data: Buffer][]): Promise<string[]> {
    const store = await new FsBlockStore(dir).open();
    const staging = path.join(dir, ".tmp-staging");
    const [own] = await readdir(staging);
    const names: string[] = [];
    for (const [key, data] of blocks) {
      const seen = new Set(await readdir(path.join(staging, own!)));
      const staged = store.stage!(key);
      await staged.write(0, [data]);
      await staged.seal!(crcOf([data]), data.length);
      names.push((await readdir(path.join(staging, own!))).find((n) => !seen.has(n))!);
    }
    // The process dies: its directory gets a pid no process has (above Linux's pid_max).
    const dead = path.join(staging, `2147483646-${randomBytes(4).toString("hex")}`);
    await rename(path.join(staging, own!), dead);
    return names.map((n) => path.join(dead, n));
  }

  it("a sealed stage of a dead process is adopted as its key when it verifies", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "dittofs-fsblocks-"));
    const data = randomBytes(3 * 1024 * 1024 + 5);
    await sealInDeadProcess(dir, [["c/chunk-0/block-1", data]]);
    const store = await new FsBlockStore(dir).open();
    expect((await store.get("c/chunk-0/block-1")).equals(data)).toBe(true);
    expect(await readdir(path.join(dir, ".tmp-staging"))).toHaveLength(1); // this process's only
    await rm(dir, { recursive: true, force: true });
  });

  it("a torn or altered sealed stage is discarded, never read as data", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "dittofs-fsblocks-"));
    const [flipped, cut, zeroed] = await sealInDeadProcess(dir, [
      ["t/chunk-0/block-0", randomBytes(64 * 1024)],
      ["t/chunk-0/block-1", randomBytes(64 * 1024)],
      ["t/chunk-0/block-2", randomBytes(4096)],
    ]);
    const bytes = await readFile(flipped!);
    bytes[40_000]! ^= 1; // one bit of a page the power loss did not write back
    await writeFile(flipped!, bytes);
    await truncate(cut!, 32 * 1024); // the file's end never reached the disk
    await writeFile(zeroed!, Buffer.alloc(4096)); // its size reached the disk, its data did not
    const store = await new FsBlockStore(dir).open();
    for (const b of [0, 1, 2])
      await expect(store.get(`t/chunk-0/block-${b}`)).rejects.toMatchObject({ code: "ENOENT" });
    expect(await collectKeys(store.list(""))).toEqual([]);
    expect(await readdir(path.join(dir, ".tmp-staging"))).toHaveLength(1);
    await rm(dir, { recursive: true, force: true });
  });

  it("a sealed stage never replaces its key, and the newest of a key's sealed stages is adopted", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "dittofs-fsblocks-"));
    const stored = randomBytes(1000);
    const newer = randomBytes(2000);
    await (await new FsBlockStore(dir).open()).put("k/chunk-0/block-0", stored); // put after its stage
    await sealInDeadProcess(dir, [
      ["k/chunk-0/block-0", randomBytes(1000)], // stale: its key holds newer bytes
      ["k/chunk-0/block-1", randomBytes(2000)],
      ["k/chunk-0/block-1", newer],
    ]);
    const store = await new FsBlockStore(dir).open();
    expect((await store.get("k/chunk-0/block-0")).equals(stored)).toBe(true);
    expect((await store.get("k/chunk-0/block-1")).equals(newer)).toBe(true);
    await rm(dir, { recursive: true, force: true });
  });

  it("putv stores the concatenation of its parts (empty parts too) in one file", async () => {
    const dir = await layout1Root();
    const store = await new FsBlockStore(dir).open();
    const parts = [randomBytes(1000), Buffer.alloc(0), randomBytes(3 * 1024 * 1024 + 7)];
    await store.putv("v/chunk-0/block-0", parts, { deferSync: true });
    await store.flush();
    expect((await store.get("v/chunk-0/block-0")).equals(Buffer.concat(parts))).toBe(true);
    expect(await readdir(path.join(dir, "v", "chunk-0"))).toEqual(["block-0"]);
    await rm(dir, { recursive: true, force: true });
  });

  it("flush() fsyncs a shard directory through a descriptor it keeps open, closed by close()", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "dittofs-fsblocks-"));
    const store = await new FsBlockStore(dir).open();
    const open = vi.spyOn(fsp, "open");
    try {
      for (let i = 0; i < 3; i++) {
        await store.put("d/chunk-0/block-0", Buffer.alloc(4096, i), { deferSync: true });
        await store.flush();
      }
      // Before: an open (and a close) of the shard at each of the three flushes.
      const shardOpens = open.mock.calls.filter(([f]) => path.dirname(String(f)) === dir);
      expect(shardOpens.map(([f]) => path.basename(String(f))[0])).toEqual(["_"]);
    } finally {
      open.mockRestore();
    }
    expect(await shardDescriptors(dir)).toBe(1);
    await store.close();
    expect(await shardDescriptors(dir)).toBe(0);
    await rm(dir, { recursive: true, force: true });
  });

  it("a put writes its temp file O_DSYNC: durable when the writev returns, with no fdatasync call of its own", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "dittofs-fsblocks-"));
    const store = await new FsBlockStore(dir).open();
    const probe = await fsp.open(path.join(dir, ".dittofs-layout"), "r");
    const handleProto = Object.getPrototypeOf(probe) as fsp.FileHandle;
    await probe.close();
    const datasync = vi.spyOn(handleProto, "datasync");
    const open = vi.spyOn(fsp, "open");
    try {
      await store.put("d/chunk-0/block-0", Buffer.alloc(4096, 7), { deferSync: true });
      const temp = open.mock.calls.filter(([f]) => String(f).includes(".tmp-staging"));
      expect(temp).toHaveLength(1);
      expect(Number(temp[0]![1]) & constants.O_DSYNC).toBe(constants.O_DSYNC);
      expect(datasync).not.toHaveBeenCalled();
    } finally {
      datasync.mockRestore();
      open.mockRestore();
    }
    expect((await store.get("d/chunk-0/block-0")).equals(Buffer.alloc(4096, 7))).toBe(true);
    await rm(dir, { recursive: true, force: true });
  });
});

/** Descriptors of this process open on a shard directory of `root` (/proc/self/fd). */
async function shardDescriptors(root: string): Promise<number> {
  let n = 0;
  for (const fd of await readdir("/proc/self/fd")) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => "");
    if (path.dirname(target) === root && path.basename(target).startsWith("_")) n++;
  }
  return n;
}

import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FsBlockStore } from "./fs.ts";
import { LAYOUT_FILE } from "./fs-layout.ts";

async function collectKeys(it: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const k of it) out.push(k);
  return out;
}

/** Every file under `dir` (relative paths), sorted, the staging directory left out. */
async function filesUnder(dir: string): Promise<string[]> {
  const ents = await readdir(dir, { recursive: true, withFileTypes: true });
  return ents
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .filter((f) => !f.startsWith(".tmp-staging"))
    .sort();
}

const dirs: string[] = [];
async function tempRoot(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "dittofs-fslayout-"));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe("fs block store layout 2 (new roots)", () => {
  it("records the layout in a new root; a first block is a shard file, the others stay in the payload's directories", async () => {
    const dir = await tempRoot();
    const store = await new FsBlockStore(dir).open();
    expect(await readFile(path.join(dir, LAYOUT_FILE), "utf8")).toBe("2\n");
    const opts = { deferSync: true };
    await store.put("small/chunk-0/block-0", Buffer.from("a small file"), opts);
    await store.put("big/chunk-0/block-0", Buffer.alloc(10, 1), opts);
    await store.put("big/chunk-0/block-1", Buffer.alloc(10, 2), opts);
    await store.put("big/chunk-2/block-0", Buffer.alloc(10, 3), opts);
    await store.flush();
    const files = await filesUnder(dir);
    // No directory of its own for a file's first block: no mkdir at its put, no rmdir at its delete.
    expect(files.filter((f) => !f.startsWith("_"))).toEqual([
      LAYOUT_FILE,
      "big/chunk-0/block-1",
      "big/chunk-2/block-0",
    ]);
    const shardFiles = files.filter((f) => f.startsWith("_"));
    expect(shardFiles.map((f) => path.basename(f)).sort()).toEqual(["big", "small"]);
    for (const f of shardFiles) expect(path.dirname(f)).toMatch(/^_[0-9a-f]{2}$/);
    expect(await collectKeys(store.list("big/"))).toEqual([
      "big/chunk-0/block-0",
      "big/chunk-0/block-1",
      "big/chunk-2/block-0",
    ]);
    expect(await collectKeys(store.list(""))).toEqual([
      "big/chunk-0/block-0",
      "big/chunk-0/block-1",
      "big/chunk-2/block-0",
      "small/chunk-0/block-0",
    ]);
    // A second store on the root reads the marker, and the keys where the first one put them.
    const again = await new FsBlockStore(dir).open();
    expect((await again.get("small/chunk-0/block-0")).toString()).toBe("a small file");
  });

  it("a delete keeps the shard directory and prunes only payload directories; flush and later puts work", async () => {
    const dir = await tempRoot();
    const store = await new FsBlockStore(dir).open();
    const opts = { deferSync: true };
    await store.put("f/chunk-0/block-0", Buffer.alloc(10, 1), opts);
    await store.put("f/chunk-0/block-1", Buffer.alloc(10, 2), opts);
    const shard = (await readdir(dir)).filter((n) => n.startsWith("_"));
    await store.delete("f/chunk-0/block-0", opts);
    await store.delete("f/chunk-0/block-1", opts);
    expect((await readdir(dir)).sort()).toEqual([".dittofs-layout", ".tmp-staging", ...shard]);
    await store.flush();
    await store.put("f/chunk-0/block-0", Buffer.alloc(10, 3), opts);
    await store.flush();
    expect(await collectKeys(store.list("f/"))).toEqual(["f/chunk-0/block-0"]);
  });

  it("a shard directory removed by hand is made again by the next put", async () => {
    const dir = await tempRoot();
    const store = await new FsBlockStore(dir).open();
    await store.put("h/chunk-0/block-0", Buffer.from("1"));
    await store.delete("h/chunk-0/block-0");
    for (const n of await readdir(dir))
      if (n.startsWith("_")) await rm(path.join(dir, n), { recursive: true });
    await store.put("h/chunk-0/block-0", Buffer.from("2"));
    expect((await store.get("h/chunk-0/block-0")).toString()).toBe("2");
  });

  it("a root holding only temp files gets layout 2; an unknown layout is refused", async () => {
    const dir = await tempRoot();
    await mkdir(path.join(dir, ".tmp-staging", "2147483646"), { recursive: true });
    await new FsBlockStore(dir).open();
    expect(await readFile(path.join(dir, LAYOUT_FILE), "utf8")).toBe("2\n");
    const other = await tempRoot();
    await writeFile(path.join(other, LAYOUT_FILE), "7\n");
    await expect(new FsBlockStore(other).open()).rejects.toMatchObject({ code: "EIO" });
  });

  it("a store used without open() opens on its first call", async () => {
    const dir = await tempRoot();
    const store = new FsBlockStore(dir);
    await store.put("n/chunk-0/block-0", Buffer.from("x"));
    expect(await readFile(path.join(dir, LAYOUT_FILE), "utf8")).toBe("2\n");
    expect(await collectKeys(new FsBlockStore(dir).list(""))).toEqual(["n/chunk-0/block-0"]);
  });
});

describe("fs block store on a layout 1 root (written before layout 2)", () => {
  it("reads, lists, deletes and puts where layout 1 keeps them, and writes no marker", async () => {
    const dir = await tempRoot();
    // As a version before layout 2 left it.
    for (const [k, v] of [
      ["old/chunk-0/block-0", "first"],
      ["old/chunk-1/block-3", "later"],
    ] as const) {
      await mkdir(path.dirname(path.join(dir, k)), { recursive: true });
      await writeFile(path.join(dir, k), v);
    }
    const store = await new FsBlockStore(dir).open();
    expect((await store.get("old/chunk-0/block-0")).toString()).toBe("first");
    expect(await collectKeys(store.list("old/"))).toEqual(["old/chunk-0/block-0", "old/chunk-1/block-3"]);
    const opts = { deferSync: true };
    await store.put("new/chunk-0/block-0", Buffer.from("new"), opts);
    await store.delete("old/chunk-0/block-0", opts);
    await store.delete("old/chunk-1/block-3", opts);
    await store.flush();
    expect(await filesUnder(dir)).toEqual(["new/chunk-0/block-0"]);
    expect((await readdir(dir)).sort()).toEqual([".tmp-staging", "new"]); // old's directories pruned
    expect(await collectKeys(store.list(""))).toEqual(["new/chunk-0/block-0"]);
    const again = await new FsBlockStore(dir).open();
    expect((await again.get("new/chunk-0/block-0")).toString()).toBe("new");
  });
});

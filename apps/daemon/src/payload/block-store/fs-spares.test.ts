import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FsBlockStore } from "./fs.ts";
import { fsKeyPath } from "./fs-layout.ts";
import { SPARE_BYTES_MAX, SPARES_DISK_BYTES_MAX, SparePool } from "./fs-spares.ts";

const dirs: string[] = [];
async function tempRoot(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "dittofs-fsspares-"));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/** The spares in this process's staging directory (`<pid>-<token>`, the only one). */
async function spares(root: string): Promise<string[]> {
  const [own] = await readdir(path.join(root, ".tmp-staging"));
  const names = await readdir(path.join(root, ".tmp-staging", own!));
  return names.filter((n) => n.startsWith(".tmp-spare-"));
}

const inode = async (root: string, key: string) => (await stat(fsKeyPath(root, 2, key))).ino;

describe("fs block store spare inodes", () => {
  it("a deleted small block's file becomes the next put's file: no new inode", async () => {
    const root = await tempRoot();
    const store = await new FsBlockStore(root).open();
    const opts = { deferSync: true };
    await store.put("a/chunk-0/block-0", Buffer.alloc(4096, 1), opts);
    const ino = await inode(root, "a/chunk-0/block-0");
    await store.delete("a/chunk-0/block-0", opts);
    expect(await spares(root)).toHaveLength(1);
    await expect(store.get("a/chunk-0/block-0")).rejects.toMatchObject({ code: "ENOENT" });
    await store.put("b/chunk-0/block-0", Buffer.alloc(100, 2), opts);
    await store.flush();
    expect(await inode(root, "b/chunk-0/block-0")).toBe(ino);
    expect((await store.get("b/chunk-0/block-0")).equals(Buffer.alloc(100, 2))).toBe(true); // truncated first
    expect(await spares(root)).toHaveLength(0);
  });

  it("keeps no spare of a large block, of a key from before this store, or of a missing key; close removes them", async () => {
    const root = await tempRoot();
    const before = await new FsBlockStore(root).open();
    await before.put("old/chunk-0/block-0", Buffer.alloc(10));
    const store = await new FsBlockStore(root).open();
    await store.put("big/chunk-0/block-0", Buffer.alloc(SPARE_BYTES_MAX + 1));
    await store.delete("big/chunk-0/block-0");
    await store.delete("old/chunk-0/block-0"); // put by another instance: its size is not known here
    await store.delete("never/chunk-0/block-0");
    expect(await spares(root)).toHaveLength(0);
    await store.put("s/chunk-0/block-0", Buffer.alloc(10));
    await store.delete("s/chunk-0/block-0");
    expect(await spares(root)).toHaveLength(1);
    await store.close();
    expect(await spares(root)).toHaveLength(0);
  });

  it("a staged block is written over a spare, and a small published one becomes a spare at its delete", async () => {
    const root = await tempRoot();
    const store = await new FsBlockStore(root).open();
    await store.put("a/chunk-0/block-0", Buffer.alloc(4096, 1));
    const ino = await inode(root, "a/chunk-0/block-0");
    await store.delete("a/chunk-0/block-0");
    // The engine's upload of a small write-once block: a stage written whole, then published.
    const staged = store.stage!("b/chunk-0/block-0");
    await staged.write(0, [Buffer.alloc(3000, 2)]);
    await staged.publish();
    expect(await inode(root, "b/chunk-0/block-0")).toBe(ino);
    expect((await store.get("b/chunk-0/block-0")).equals(Buffer.alloc(3000, 2))).toBe(true);
    await store.delete("b/chunk-0/block-0");
    expect(await spares(root)).toHaveLength(1);
  });

  it("a published large block is never kept, even where a small one was put before", async () => {
    const root = await tempRoot();
    const store = await new FsBlockStore(root).open();
    await store.put("w/chunk-0/block-0", Buffer.alloc(10));
    const staged = store.stage!("w/chunk-0/block-0");
    await staged.write(0, [Buffer.alloc(SPARE_BYTES_MAX * 4)]);
    await staged.publish();
    await store.delete("w/chunk-0/block-0");
    expect(await spares(root)).toHaveLength(0);
  });

  it("the spares hold at most SPARES_DISK_BYTES_MAX of disk", () => {
    const pool = new SparePool("/staging", ".tmp-spare-x-");
    let kept = 0;
    for (let i = 0; i < SPARES_DISK_BYTES_MAX / SPARE_BYTES_MAX + 10; i++) {
      pool.put(`/k/${i}`, SPARE_BYTES_MAX);
      const k = pool.keep(`/k/${i}`);
      if (k === null) continue;
      pool.kept(k.spare, `/k/${i}`, k.bytes);
      kept++;
    }
    expect(kept).toBe(SPARES_DISK_BYTES_MAX / SPARE_BYTES_MAX);
    expect(pool.take()).not.toBeNull(); // one taken: room for one more
    pool.put("/k/x", 100);
    expect(pool.keep("/k/x")).not.toBeNull();
  });

  it("a spare is not reused while a get of the key it was may hold its inode", async () => {
    const pool = new SparePool("/staging", ".tmp-spare-x-");
    pool.put("/k/a", 10);
    let finish!: () => void;
    const get = pool.reading("/k/a", () => new Promise<void>((r) => (finish = r)));
    const { spare, bytes } = pool.keep("/k/a")!;
    expect(bytes).toBe(4096);
    pool.kept(spare, "/k/a", bytes);
    expect(pool.take()).toBeNull(); // the get may read the inode: not truncated under it
    finish();
    await get;
    expect(pool.take()).toBe(spare);
    expect(pool.take()).toBeNull();
  });
});

/** Rename edge cases (POSIX rename(2)) over the store under test. */
import { afterEach, beforeEach, expect, it } from "vitest";
import { ALICE, type Env, expectErrno, makeEnv, SHARE, type StoreFactory } from "./harness.ts";

const G = { mode: "guarded" as const };

export function renameTests(factory: StoreFactory): void {
  let env: Env;
  beforeEach(async () => {
    env = await makeEnv(factory);
  });
  afterEach(async () => {
    await env.close();
  });

  const names = async (dir: Buffer) =>
    (await env.svc.readdir(ALICE, dir, 0n, null, 100)).entries.map((e) => e.name).sort();

  it("renames within a directory and moves between directories", async () => {
    const f = await env.svc.create(ALICE, env.root, "a", {}, G);
    const d = await env.svc.mkdir(ALICE, env.root, "d", {});
    const r = await env.svc.rename(ALICE, env.root, "a", env.root, "b");
    expect(r.fromAfter.mtime).not.toEqual(r.fromBefore.mtime);
    expect(await names(env.root)).toEqual(["b", "d"]);
    const moved = await env.svc.getattr(f.handle);
    expect(moved.ctime).not.toEqual(f.attr.ctime);
    await env.svc.rename(ALICE, env.root, "b", d.handle, "c");
    expect(await names(env.root)).toEqual(["d"]);
    expect((await env.svc.lookup(ALICE, d.handle, "c")).attr.fileid).toBe(f.attr.fileid);
    await expectErrno(env.svc.rename(ALICE, env.root, "zz", env.root, "y"), "ENOENT");
    await expectErrno(env.svc.rename(ALICE, env.root, ".", env.root, "y"), "EINVAL");
    await expectErrno(env.svc.rename(ALICE, env.root, "d", env.root, ".."), "EINVAL");
    await expectErrno(env.svc.rename(ALICE, f.handle, "x", env.root, "y"), "ENOTDIR");
  });

  it("replaces a file atomically and leaves the replaced file as an orphan", async () => {
    const a = await env.svc.create(ALICE, env.root, "a", {}, G);
    const b = await env.svc.create(ALICE, env.root, "b", {}, G);
    const { orphan } = await env.svc.rename(ALICE, env.root, "a", env.root, "b");
    expect((await env.svc.lookup(ALICE, env.root, "b")).attr.fileid).toBe(a.attr.fileid);
    await expectErrno(env.svc.lookup(ALICE, env.root, "a"), "ENOENT");
    await expectErrno(env.svc.getattr(b.handle), "ESTALE");
    expect(orphan?.payloadId).toBe(b.attr.payloadId);
    expect(orphan?.handle.equals(b.handle)).toBe(true);
  });

  it("keeps a replaced file that has another link", async () => {
    const a = await env.svc.create(ALICE, env.root, "a", {}, G);
    const b = await env.svc.create(ALICE, env.root, "b", {}, G);
    await env.svc.link(ALICE, b.handle, env.root, "b2");
    const replaced = await env.svc.rename(ALICE, env.root, "a", env.root, "b");
    expect((await env.svc.getattr(b.handle)).nlink).toBe(1);
    expect(replaced.orphan).toBeNull();
    // Renaming onto another link of the same inode does nothing.
    await env.svc.link(ALICE, a.handle, env.root, "a2");
    await env.svc.rename(ALICE, env.root, "b", env.root, "a2");
    expect(await names(env.root)).toEqual(["a2", "b", "b2"]);
    expect((await env.svc.getattr(a.handle)).nlink).toBe(2);
    await env.svc.rename(ALICE, env.root, "b", env.root, "b");
    expect(await names(env.root)).toEqual(["a2", "b", "b2"]);
  });

  it("puts a directory over an empty directory only", async () => {
    const d1 = await env.svc.mkdir(ALICE, env.root, "d1", {});
    const d2 = await env.svc.mkdir(ALICE, env.root, "d2", {});
    const f = await env.svc.create(ALICE, env.root, "f", {}, G);
    await env.svc.create(ALICE, d1.handle, "inner", {}, G);
    await expectErrno(env.svc.rename(ALICE, env.root, "f", env.root, "d2"), "EISDIR");
    await expectErrno(env.svc.rename(ALICE, env.root, "d1", env.root, "f"), "ENOTDIR");
    await expectErrno(env.svc.rename(ALICE, env.root, "d2", env.root, "d1"), "ENOTEMPTY");
    expect((await env.svc.getattr(env.root)).nlink).toBe(4);
    await env.svc.rename(ALICE, env.root, "d1", env.root, "d2");
    expect((await env.svc.getattr(env.root)).nlink).toBe(3);
    await expectErrno(env.svc.getattr(d2.handle), "ESTALE");
    expect((await env.svc.lookup(ALICE, env.root, "d2")).attr.fileid).toBe(d1.attr.fileid);
    expect(await names(d1.handle)).toEqual(["inner"]);
    expect((await env.svc.getattr(f.handle)).nlink).toBe(1);
  });

  it("moves a directory between parents with nlink and '..' following", async () => {
    const p1 = await env.svc.mkdir(ALICE, env.root, "p1", {});
    const p2 = await env.svc.mkdir(ALICE, env.root, "p2", {});
    const c = await env.svc.mkdir(ALICE, p1.handle, "c", {});
    const r = await env.svc.rename(ALICE, p1.handle, "c", p2.handle, "c2");
    expect(r.fromAfter.nlink).toBe(2);
    expect(r.toAfter.nlink).toBe(3);
    expect((await env.svc.lookup(ALICE, c.handle, "..")).attr.fileid).toBe(p2.attr.fileid);
    // Replacing an empty directory in another parent keeps both counts right.
    await env.svc.mkdir(ALICE, p1.handle, "e", {});
    await env.svc.rename(ALICE, p2.handle, "c2", p1.handle, "e");
    expect((await env.svc.getattr(p1.handle)).nlink).toBe(3);
    expect((await env.svc.getattr(p2.handle)).nlink).toBe(2);
  });

  it("never moves a directory into its own subtree", async () => {
    const a = await env.svc.mkdir(ALICE, env.root, "a", {});
    const b = await env.svc.mkdir(ALICE, a.handle, "b", {});
    const c = await env.svc.mkdir(ALICE, b.handle, "c", {});
    await expectErrno(env.svc.rename(ALICE, env.root, "a", c.handle, "x"), "EINVAL");
    await expectErrno(env.svc.rename(ALICE, env.root, "a", a.handle, "x"), "EINVAL");
    await expectErrno(env.svc.rename(ALICE, a.handle, "b", b.handle, "x"), "EINVAL");
    expect(await names(env.root)).toEqual(["a"]);
    await env.svc.rename(ALICE, b.handle, "c", env.root, "c");
    expect(await names(env.root)).toEqual(["a", "c"]);
  });

  it("needs write permission on a directory that changes parent", async () => {
    const p1 = await env.svc.mkdir(ALICE, env.root, "p1", { mode: 0o777 });
    const p2 = await env.svc.mkdir(ALICE, env.root, "p2", { mode: 0o777 });
    await env.svc.mkdir(ALICE, p1.handle, "locked", { mode: 0o555 });
    const bob = { uid: 1001, gid: 1001, gids: [] };
    await expectErrno(env.svc.rename(bob, p1.handle, "locked", p2.handle, "x"), "EACCES");
    // Within the same parent ".." does not change, so no write permission on it is needed.
    await env.svc.rename(bob, p1.handle, "locked", p1.handle, "renamed");
    await expectErrno(env.svc.rename(ALICE, p1.handle, "renamed", p2.handle, "x"), "EACCES");
    await env.svc.rename({ uid: 0, gid: 0, gids: [] }, p1.handle, "renamed", p2.handle, "x");
  });

  it("refuses renames across shares", async () => {
    const other = { ...env.svc.shareOf(env.root), name: "/other" };
    await env.payload.addShare(
      "/other",
      new (await import("../../../payload/block-store/memory.ts")).MemoryBlockStore(),
    );
    await env.svc.addShare(other, env.store);
    const oroot = env.svc.rootHandle("/other");
    const f = await env.svc.create(ALICE, env.root, "f", {}, G);
    await expectErrno(env.svc.rename(ALICE, env.root, "f", oroot, "f"), "EXDEV");
    await expectErrno(env.svc.link(ALICE, f.handle, oroot, "f"), "EXDEV");
    // Same store, different share tree: the other share cannot reach this file by handle.
    expect(oroot.equals(env.root)).toBe(false);
    await expectErrno(env.svc.lookup(ALICE, oroot, "f"), "ENOENT");
    await env.svc.removeShare("/other");
    await expectErrno(env.svc.getattr(oroot), "ESTALE");
    expect(env.svc.shareOf(env.root).name).toBe(SHARE);
  });
}

/** Service-level namespace operations over the store under test. */
import { afterEach, beforeEach, expect, it } from "vitest";
import { HANDLE_BYTES } from "../../handle.ts";
import { ALICE, type Env, expectErrno, makeEnv, ROOT, rootId, SHARE, type StoreFactory } from "./harness.ts";

const U = { mode: 0o644 };
const EXCL = (v: string) => ({ mode: "exclusive" as const, verifier: Buffer.from(v) });

export function namespaceTests(factory: StoreFactory): void {
  let env: Env;
  beforeEach(async () => {
    env = await makeEnv(factory);
  });
  afterEach(async () => {
    await env.close();
  });

  it("serves a root directory with mode 01777 and stable small handles", async () => {
    const a = await env.svc.getattr(env.root);
    expect(a).toMatchObject({ type: "dir", mode: 0o1777, nlink: 2, uid: 0, gid: 0 });
    expect(env.root.length).toBeLessThanOrEqual(64);
    expect(env.root.length).toBe(HANDLE_BYTES);
    expect(env.svc.shareOf(env.root).name).toBe(SHARE);
    expect(() => env.svc.rootHandle("/nope")).toThrow(expect.objectContaining({ code: "ENOENT" }));
    await expectErrno(env.svc.getattr(Buffer.from("short")), "EBADHANDLE");
    const foreign = Buffer.from(env.root);
    foreign[3] = (foreign[3]! + 1) & 0xff;
    await expectErrno(env.svc.getattr(foreign), "ESTALE");
  });

  it("creates, looks up and getattrs a file, updating the directory", async () => {
    const before = await env.svc.getattr(env.root);
    const r = await env.svc.create(ALICE, env.root, "f", U, { mode: "guarded" });
    expect(r.attr).toMatchObject({ type: "file", mode: 0o644, nlink: 1, uid: 1000, gid: 1000, size: 0 });
    expect(r.attr.payloadId).toEqual(expect.any(String));
    expect(r.dirBefore.mtime).toEqual(before.mtime);
    expect(r.dirAfter.mtime).not.toEqual(before.mtime);
    expect(r.dirAfter.ctime).toEqual(r.dirAfter.mtime);
    const l = await env.svc.lookup(ALICE, env.root, "f");
    expect(l.handle.equals(r.handle)).toBe(true);
    expect(l.attr.fileid).toBe(r.attr.fileid);
    expect(await env.svc.getattr(r.handle)).toEqual(r.attr);
    expect((await env.svc.lookup(ALICE, env.root, ".")).attr.fileid).toBe(before.fileid);
    expect((await env.svc.lookup(ALICE, env.root, "..")).attr.fileid).toBe(before.fileid);
    await expectErrno(env.svc.lookup(ALICE, env.root, "nope"), "ENOENT");
    await expectErrno(env.svc.lookup(ALICE, r.handle, "x"), "ENOTDIR");
    await expectErrno(env.svc.create(ALICE, r.handle, "x", U, { mode: "guarded" }), "ENOTDIR");
  });

  it("validates names", async () => {
    const c = (n: string) => env.svc.create(ROOT, env.root, n, U, { mode: "guarded" });
    await expectErrno(c("a/b"), "EINVAL");
    await expectErrno(c("a\0b"), "EINVAL");
    await expectErrno(c("."), "EINVAL");
    await expectErrno(c(".."), "EINVAL");
    await expectErrno(c(""), "EINVAL");
    await expectErrno(c("x".repeat(256)), "ENAMETOOLONG");
    await expectErrno(c("é".repeat(128)), "ENAMETOOLONG");
    await c("x".repeat(255));
    await c("é".repeat(127));
    await expectErrno(env.svc.lookup(ROOT, env.root, "y".repeat(256)), "ENAMETOOLONG");
  });

  it("honours guarded, unchecked and exclusive create", async () => {
    const a = await env.svc.create(ALICE, env.root, "f", U, { mode: "guarded" });
    await expectErrno(env.svc.create(ALICE, env.root, "f", U, { mode: "guarded" }), "EEXIST");
    const p = a.attr.payloadId!;
    await env.payload.writeAt(SHARE, p, 0, Buffer.from("hello"));
    await env.svc.commitWrite(a.handle, 5);
    const u = await env.svc.create(ALICE, env.root, "f", { size: 0 }, { mode: "unchecked" });
    expect(u.handle.equals(a.handle)).toBe(true);
    expect(u.attr.size).toBe(0);
    // The size it had, for the file service to truncate the payload (files/setattr.ts).
    expect(u.sizeBefore).toBe(5);
    const e1 = await env.svc.create(ALICE, env.root, "x", {}, EXCL("verf0001"));
    const e2 = await env.svc.create(ALICE, env.root, "x", {}, EXCL("verf0001"));
    expect(e2.handle.equals(e1.handle)).toBe(true);
    await expectErrno(env.svc.create(ALICE, env.root, "x", {}, EXCL("verf0002")), "EEXIST");
    await expectErrno(env.svc.create(ALICE, env.root, "f", {}, EXCL("verf0001")), "EEXIST");
    await env.svc.mkdir(ALICE, env.root, "d", {});
    await expectErrno(env.svc.create(ALICE, env.root, "d", {}, { mode: "unchecked" }), "EEXIST");
  });

  it("makes and removes directories with link counts", async () => {
    const d = await env.svc.mkdir(ALICE, env.root, "d", { mode: 0o750 });
    expect(d.attr).toMatchObject({ type: "dir", mode: 0o750, nlink: 2 });
    expect(d.dirAfter.nlink).toBe(3);
    const sub = await env.svc.mkdir(ALICE, d.handle, "s", {});
    expect((await env.svc.getattr(d.handle)).nlink).toBe(3);
    expect((await env.svc.lookup(ALICE, sub.handle, "..")).attr.fileid).toBe(d.attr.fileid);
    await env.svc.create(ALICE, d.handle, "f", U, { mode: "guarded" });
    await expectErrno(env.svc.rmdir(ALICE, env.root, "d"), "ENOTEMPTY");
    await expectErrno(env.svc.rmdir(ALICE, d.handle, "f"), "ENOTDIR");
    await expectErrno(env.svc.remove(ALICE, d.handle, "s"), "EISDIR");
    await expectErrno(env.svc.rmdir(ALICE, d.handle, "."), "EINVAL");
    await expectErrno(env.svc.rmdir(ALICE, d.handle, ".."), "ENOTEMPTY");
    await expectErrno(env.svc.rmdir(ALICE, d.handle, "nope"), "ENOENT");
    await env.svc.remove(ALICE, d.handle, "f");
    const r = await env.svc.rmdir(ALICE, d.handle, "s");
    expect(r.dirAfter.nlink).toBe(2);
    await expectErrno(env.svc.getattr(sub.handle), "ESTALE");
    await env.svc.rmdir(ALICE, env.root, "d");
    expect((await env.svc.getattr(env.root)).nlink).toBe(2);
    await expectErrno(env.svc.create(ALICE, d.handle, "g", U, { mode: "guarded" }), "ESTALE");
  });

  it("makes symlinks and special files", async () => {
    const s = await env.svc.symlink(ALICE, env.root, "l", "../target/x", {});
    expect(s.attr).toMatchObject({ type: "symlink", size: 11, mode: 0o777 });
    expect((await env.svc.readlink(ALICE, s.handle)).target).toBe("../target/x");
    const f = await env.svc.create(ALICE, env.root, "f", U, { mode: "guarded" });
    await expectErrno(env.svc.readlink(ALICE, f.handle), "EINVAL");
    await expectErrno(env.svc.symlink(ALICE, env.root, "m", "x".repeat(4097), {}), "ENAMETOOLONG");
    await expectErrno(env.svc.symlink(ALICE, env.root, "m", "a\0b", {}), "EINVAL");
    await expectErrno(env.svc.mknod(ALICE, env.root, "m", "blk", {}, { major: -1, minor: 0 }), "EINVAL");
    await expectErrno(
      env.svc.create(ALICE, env.root, "m", { mode: Number.NaN }, { mode: "guarded" }),
      "EINVAL",
    );
    await expectErrno(env.svc.setattr(ALICE, f.handle, { mode: 1.5 }), "EINVAL");
    await expectErrno(env.svc.setattr(ALICE, f.handle, { uid: -1 }), "EINVAL");
    await expectErrno(env.svc.lookup(ALICE, env.root, "m"), "ENOENT");
    const c = await env.svc.mknod(ALICE, env.root, "c", "chr", { mode: 0o600 }, { major: 1, minor: 3 });
    expect(c.attr).toMatchObject({ type: "chr", mode: 0o600, rdev: { major: 1, minor: 3 }, payloadId: null });
    const p = await env.svc.mknod(ALICE, env.root, "p", "fifo", {}, { major: 0, minor: 0 });
    await expectErrno(env.svc.prepareWrite(ALICE, p.handle), "EINVAL");
    await expectErrno(env.svc.prepareRead(ALICE, s.handle), "EINVAL");
    await env.svc.remove(ALICE, env.root, "l");
    await env.svc.remove(ALICE, env.root, "c");
    await expectErrno(env.svc.getattr(c.handle), "ESTALE");
  });

  it("keeps hard-link counts and deletes the payload with the last link", async () => {
    const f = await env.svc.create(ALICE, env.root, "f", U, { mode: "guarded" });
    const d = await env.svc.mkdir(ALICE, env.root, "d", {});
    const l = await env.svc.link(ALICE, f.handle, d.handle, "g");
    expect(l.attr.nlink).toBe(2);
    expect(l.attr.ctime).not.toEqual(f.attr.ctime);
    expect(l.dirAfter.mtime).not.toEqual(l.dirBefore.mtime);
    expect((await env.svc.lookup(ALICE, d.handle, "g")).attr.fileid).toBe(f.attr.fileid);
    await expectErrno(env.svc.link(ALICE, f.handle, d.handle, "g"), "EEXIST");
    await expectErrno(env.svc.link(ALICE, d.handle, env.root, "dd"), "EISDIR");
    await expectErrno(env.svc.link(ALICE, f.handle, f.handle, "x"), "ENOTDIR");
    const p = f.attr.payloadId!;
    expect((await env.svc.remove(ALICE, env.root, "f")).orphan).toBeNull();
    expect((await env.svc.getattr(f.handle)).nlink).toBe(1);
    // The last link leaves an orphan: invisible by handle, its payload named until reaped.
    const { orphan } = await env.svc.remove(ALICE, d.handle, "g");
    expect(orphan?.payloadId).toBe(p);
    expect(orphan?.handle.equals(f.handle)).toBe(true);
    await expectErrno(env.svc.getattr(f.handle), "ESTALE");
    expect(await env.store.orphans(await rootId(env), 10)).toEqual([f.attr.fileid]);
    await env.svc.reap(f.handle);
    expect(await env.store.orphans(await rootId(env), 10)).toEqual([]);
    await env.svc.reap(f.handle);
    await expectErrno(env.svc.remove(ALICE, env.root, "f"), "ENOENT");
  });

  it("keeps an open unlinked file's payload until the last release", async () => {
    const f = await env.svc.create(ALICE, env.root, "f", U, { mode: "guarded" });
    const p = f.attr.payloadId!;
    await env.payload.writeAt(SHARE, p, 0, Buffer.from("keep"));
    await env.svc.commitWrite(f.handle, 4);
    env.svc.retain(f.handle);
    env.svc.retain(f.handle);
    await env.svc.remove(ALICE, env.root, "f");
    expect(await env.svc.getattr(f.handle)).toMatchObject({ nlink: 0, size: 4 });
    expect((await env.payload.readAt(SHARE, p, 0, 4)).toString()).toBe("keep");
    await expectErrno(env.svc.link(ALICE, f.handle, env.root, "back"), "ENOENT");
    // Reaping an orphan that is still open does nothing.
    await env.svc.reap(f.handle);
    expect(await env.svc.release(f.handle)).toBeNull();
    expect((await env.svc.getattr(f.handle)).nlink).toBe(0);
    const orphan = await env.svc.release(f.handle);
    expect(orphan?.payloadId).toBe(p);
    await expectErrno(env.svc.getattr(f.handle), "ESTALE");
    await env.svc.reap(f.handle);
    expect(await env.store.orphans(await rootId(env), 10)).toEqual([]);
    // A release after the file is gone is harmless.
    expect(await env.svc.release(f.handle)).toBeNull();
  });

  it("reports FSSTAT used bytes and file counts", async () => {
    const s0 = await env.svc.fsstat(env.root);
    const f = await env.svc.create(ALICE, env.root, "f", U, { mode: "guarded" });
    await env.svc.commitWrite(f.handle, 1_000_000);
    await env.svc.mkdir(ALICE, env.root, "d", {});
    const s1 = await env.svc.fsstat(env.root);
    const used0 = s0.totalBytes - s0.freeBytes;
    const files0 = s0.totalFiles - s0.freeFiles;
    if (env.store.type === "memory") {
      expect(s1.totalBytes - s1.freeBytes).toBe(used0 + 1_000_000);
      expect(s1.totalFiles - s1.freeFiles).toBe(files0 + 2);
    }
    expect(files0).toBe(1);
    expect(s1.availBytes).toBeLessThanOrEqual(s1.freeBytes);
  });
}

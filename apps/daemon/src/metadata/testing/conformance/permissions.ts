/** Permission checks, squash, read-only shares, SETATTR rules and the data path's metadata side. */
import { afterEach, beforeEach, expect, it } from "vitest";
import type { ShareInfo } from "../../../domain/share.ts";
import {
  ACCESS_DELETE,
  ACCESS_EXECUTE,
  ACCESS_EXTEND,
  ACCESS_LOOKUP,
  ACCESS_MODIFY,
  ACCESS_READ,
} from "../../types.ts";
import {
  ALICE,
  BOB,
  type Env,
  expectErrno,
  makeEnv,
  ROOT,
  SHARE,
  type StoreFactory,
  share,
} from "./harness.ts";

const G = { mode: "guarded" as const };
const ALL = 0x3f;

export function permissionTests(factory: StoreFactory): void {
  let env: Env;
  let envs: Env[] = [];
  const open = async (info?: ShareInfo) => {
    const e = await makeEnv(factory, info);
    envs.push(e);
    return e;
  };
  beforeEach(async () => {
    env = await open();
  });
  afterEach(async () => {
    for (const e of envs) await e.close();
    envs = [];
  });

  it("checks mode bits with owner, group (incl. supplementary) and other classes", async () => {
    const d = await env.svc.mkdir(ALICE, env.root, "d", { mode: 0o770, gid: 1000 });
    await expectErrno(env.svc.create(BOB, d.handle, "x", {}, G), "EACCES");
    await expectErrno(env.svc.lookup(BOB, d.handle, "x"), "EACCES");
    await expectErrno(env.svc.readdir(BOB, d.handle, 0n, null, 10), "EACCES");
    const bobInGroup = { ...BOB, gids: [5, 1000] };
    await env.svc.create(bobInGroup, d.handle, "x", {}, G);
    await env.svc.create(ROOT, d.handle, "y", {}, G);
    expect((await env.svc.access(BOB, d.handle, ALL)).granted).toBe(0);
    expect((await env.svc.access(bobInGroup, d.handle, ALL)).granted).toBe(
      ACCESS_READ | ACCESS_LOOKUP | ACCESS_MODIFY | ACCESS_EXTEND | ACCESS_DELETE,
    );
    const f = await env.svc.create(ALICE, env.root, "f", { mode: 0o604 }, G);
    expect((await env.svc.access(BOB, f.handle, ALL)).granted).toBe(ACCESS_READ);
    expect((await env.svc.access(ALICE, f.handle, ACCESS_MODIFY | ACCESS_EXECUTE)).granted).toBe(
      ACCESS_MODIFY,
    );
    // Root bypasses read/write but executes only with some x bit.
    expect((await env.svc.access(ROOT, f.handle, ALL)).granted).toBe(
      ACCESS_READ | ACCESS_MODIFY | ACCESS_EXTEND,
    );
    // Owner class decides even when group/other would grant more.
    const g = await env.svc.create(ALICE, env.root, "g", { mode: 0o077 }, G);
    expect((await env.svc.access(ALICE, g.handle, ACCESS_READ)).granted).toBe(0);
  });

  it("enforces the sticky bit on removal and rename", async () => {
    const f = await env.svc.create(ALICE, env.root, "f", {}, G);
    await expectErrno(env.svc.remove(BOB, env.root, "f"), "EPERM");
    await expectErrno(env.svc.rename(BOB, env.root, "f", env.root, "g"), "EPERM");
    await env.svc.create(BOB, env.root, "b", {}, G);
    await expectErrno(env.svc.rename(BOB, env.root, "b", env.root, "f"), "EPERM");
    await env.svc.rename(ALICE, env.root, "f", env.root, "g");
    await env.svc.remove(ROOT, env.root, "b");
    await env.svc.remove(ALICE, env.root, "g");
    await expectErrno(env.svc.getattr(f.handle), "ESTALE");
  });

  it("squashes root and all users to the anonymous identity", async () => {
    const rs = await open(share({ squash: "root_squash", anonUid: 65534, anonGid: 65533 }));
    const f = await rs.svc.create(ROOT, rs.root, "f", {}, G);
    expect(f.attr).toMatchObject({ uid: 65534, gid: 65533 });
    const a = await rs.svc.create(ALICE, rs.root, "a", { mode: 0o600 }, G);
    expect(a.attr.uid).toBe(1000);
    await expectErrno(rs.svc.prepareRead({ ...ROOT }, a.handle), "EACCES");
    const as = await open(share({ squash: "all_squash", anonUid: 70, anonGid: 71 }));
    const b = await as.svc.create(ALICE, as.root, "b", {}, G);
    expect(b.attr).toMatchObject({ uid: 70, gid: 71 });
  });

  it("refuses every change on a read-only share with EROFS but still reads", async () => {
    const f = await env.svc.create(ALICE, env.root, "f", {}, G);
    env.svc.updateShare(share({ readOnly: true }));
    await expectErrno(env.svc.create(ALICE, env.root, "g", {}, G), "EROFS");
    await expectErrno(env.svc.mkdir(ALICE, env.root, "d", {}), "EROFS");
    await expectErrno(env.svc.setattr(ALICE, f.handle, { mode: 0o600 }), "EROFS");
    await expectErrno(env.svc.remove(ALICE, env.root, "f"), "EROFS");
    await expectErrno(env.svc.rename(ALICE, env.root, "f", env.root, "g"), "EROFS");
    await expectErrno(env.svc.link(ALICE, f.handle, env.root, "g"), "EROFS");
    await expectErrno(env.svc.prepareWrite(ALICE, f.handle), "EROFS");
    expect((await env.svc.access(ALICE, f.handle, ALL)).granted).toBe(ACCESS_READ);
    await env.svc.prepareRead(ALICE, f.handle);
    env.svc.updateShare(share());
    await env.svc.remove(ALICE, env.root, "f");
  });

  it("applies SETATTR ownership and time rules", async () => {
    const f = await env.svc.create(ALICE, env.root, "f", { mode: 0o6755 }, G);
    await expectErrno(env.svc.setattr(BOB, f.handle, { mode: 0o777 }), "EPERM");
    await expectErrno(env.svc.setattr(ALICE, f.handle, { uid: 1001 }), "EPERM");
    await expectErrno(env.svc.setattr(ALICE, f.handle, { gid: 5 }), "EPERM");
    await expectErrno(env.svc.setattr(BOB, f.handle, { mtime: { sec: 1, nsec: 0 } }), "EPERM");
    await expectErrno(env.svc.setattr(BOB, f.handle, { mtime: "now" }), "EACCES");
    const r = await env.svc.setattr({ ...ALICE, gids: [5] }, f.handle, { gid: 5 });
    expect(r.after.gid).toBe(5);
    // chown drops set-user-ID, and set-group-ID when group-executable.
    expect(r.after.mode).toBe(0o755);
    expect(r.after.ctime).not.toEqual(r.before.ctime);
    const t = await env.svc.setattr(ALICE, f.handle, {
      atime: { sec: 10, nsec: 20 },
      mtime: { sec: 30, nsec: 40 },
    });
    expect(t.after).toMatchObject({ atime: { sec: 10, nsec: 20 }, mtime: { sec: 30, nsec: 40 } });
    const o = await env.svc.setattr(ROOT, f.handle, { uid: 1001, gid: 1001 });
    expect(o.after).toMatchObject({ uid: 1001, gid: 1001 });
    const m = await env.svc.setattr(BOB, f.handle, { mode: 0o2700 });
    expect(m.after.mode).toBe(0o2700);
    const n = await env.svc.setattr(BOB, f.handle, { mode: 0o2700, dosAttributes: 0x22 });
    expect(n.after.dosAttributes).toBe(0x22);
    // Non-root outside the file's group cannot set set-group-ID.
    const g = await env.svc.create(ALICE, env.root, "g", {}, G);
    await env.svc.setattr(ROOT, g.handle, { gid: 77 });
    expect((await env.svc.setattr(ALICE, g.handle, { mode: 0o2755 })).after.mode).toBe(0o755);
  });

  it("keeps an explicit change time until the next change; ctime moves on every change, the set included", async () => {
    const f = await env.svc.create(ALICE, env.root, "f", {}, G);
    const at1968 = { sec: -63_158_400, nsec: 100 };
    await expectErrno(env.svc.setattr(BOB, f.handle, { changeTime: at1968 }), "EPERM");
    const set = await env.svc.setattr(ALICE, f.handle, { changeTime: at1968 });
    expect(set.after.changeTime).toEqual(at1968);
    expect(set.after.ctime).not.toEqual(set.before.ctime);
    expect((await env.svc.getattr(f.handle)).changeTime).toEqual(at1968);
    // "keep": a change made by an SMB open that set (or froze) the change time leaves it.
    const kept = await env.svc.setattr(ALICE, f.handle, { dosAttributes: 0x2, changeTime: "keep" });
    expect(kept.after.changeTime).toEqual(at1968);
    expect(kept.after.ctime).not.toEqual(set.after.ctime);
    const moved = await env.svc.setattr(ALICE, f.handle, { mode: 0o600 });
    expect(moved.after.changeTime).toEqual(moved.after.ctime);
  });

  it("guards SETATTR on ctime", async () => {
    const f = await env.svc.create(ALICE, env.root, "f", {}, G);
    await expectErrno(env.svc.setattr(ALICE, f.handle, { mode: 0o600 }, { sec: 1, nsec: 1 }), "EINVAL");
    const ok = await env.svc.setattr(ALICE, f.handle, { mode: 0o600 }, f.attr.ctime);
    expect(ok.after.mode).toBe(0o600);
  });

  it("changes the size through SETATTR with mtime, leaving the payload to the file service", async () => {
    const f = await env.svc.create(ALICE, env.root, "f", {}, G);
    const p = f.attr.payloadId!;
    await env.payload.writeAt(SHARE, p, 0, Buffer.from("hello world"));
    await env.svc.commitWrite(f.handle, 11);
    const s1 = await env.svc.setattr(ALICE, f.handle, { size: 5 });
    expect(s1.after.size).toBe(5);
    expect(s1.after.mtime).not.toEqual(s1.before.mtime);
    expect((await env.svc.setattr(ALICE, f.handle, { size: 11 })).before.size).toBe(5);
    const d = await env.svc.mkdir(ALICE, env.root, "d", {});
    await expectErrno(env.svc.setattr(ALICE, d.handle, { size: 0 }), "EISDIR");
    await expectErrno(env.svc.setattr(ALICE, f.handle, { size: -1 }), "EINVAL");
    await expectErrno(env.svc.setattr(BOB, f.handle, { size: 0 }), "EACCES");
  });

  it("checks the data path and applies write results", async () => {
    const f = await env.svc.create(ALICE, env.root, "f", { mode: 0o4440 }, G);
    // Owner override: the owner writes a read-only file it created (tar, cp -p).
    const w = await env.svc.prepareWrite(ALICE, f.handle);
    expect(w.payloadId).toBe(f.attr.payloadId);
    await expectErrno(env.svc.prepareWrite(BOB, f.handle), "EACCES");
    await expectErrno(env.svc.prepareRead(BOB, f.handle), "EACCES");
    const a = await env.svc.commitWrite(f.handle, 100);
    expect(a.size).toBe(100);
    expect(a.mode).toBe(0o440);
    expect(a.mtime).not.toEqual(f.attr.mtime);
    expect((await env.svc.commitWrite(f.handle, 50)).size).toBe(100);
    expect((await env.svc.prepareRead(ALICE, f.handle)).attr.size).toBe(100);
    const d = await env.svc.mkdir(ALICE, env.root, "d", {});
    await expectErrno(env.svc.prepareWrite(ALICE, d.handle), "EISDIR");
    await expectErrno(env.svc.prepareRead(ALICE, d.handle), "EISDIR");
  });

  it("inherits the group of a set-group-ID directory", async () => {
    const d = await env.svc.mkdir(ROOT, env.root, "d", { mode: 0o2777, gid: 500 });
    const f = await env.svc.create(ALICE, d.handle, "f", {}, G);
    expect(f.attr.gid).toBe(500);
    const s = await env.svc.mkdir(ALICE, d.handle, "s", { mode: 0o755 });
    expect(s.attr).toMatchObject({ gid: 500, mode: 0o2755 });
  });
}

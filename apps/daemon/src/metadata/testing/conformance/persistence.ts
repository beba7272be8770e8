/** Restart persistence: the same handle, fileid, attributes and readdir cookies after reopening. */
import { afterEach, beforeEach, expect, it } from "vitest";
import { ALICE, type Env, expectErrno, makeEnv, rootId, SHARE, type StoreFactory } from "./harness.ts";

export function persistenceTests(factory: StoreFactory): void {
  let env: Env;
  beforeEach(async () => {
    env = await makeEnv(factory);
  });
  afterEach(async () => {
    await env.close();
  });

  it("gives the same handles, fileids, attributes and cookies after a restart", async () => {
    const d = await env.svc.mkdir(ALICE, env.root, "d", { mode: 0o750 });
    const f = await env.svc.create(
      ALICE,
      d.handle,
      "f",
      {},
      { mode: "exclusive", verifier: Buffer.from("v1v2v3v4") },
    );
    await env.svc.commitWrite(f.handle, 12345);
    const l = await env.svc.symlink(ALICE, d.handle, "l", "f", {});
    await env.svc.link(ALICE, f.handle, env.root, "hard");
    for (const n of ["x1", "x2", "x3"]) await env.svc.create(ALICE, d.handle, n, {}, { mode: "guarded" });
    const page = await env.svc.readdir(ALICE, d.handle, 0n, null, 2);
    const fAttr = await env.svc.getattr(f.handle);
    const rootHandle = env.root;
    await env.restart();
    expect(env.root.equals(rootHandle)).toBe(true);
    expect(await env.svc.getattr(f.handle)).toEqual(fAttr);
    expect((await env.svc.lookup(ALICE, env.root, "d")).handle.equals(d.handle)).toBe(true);
    expect((await env.svc.readlink(ALICE, l.handle)).target).toBe("f");
    const rest = await env.svc.readdir(ALICE, d.handle, page.entries.at(-1)!.cookie, page.verifier, 10);
    expect(rest.entries.map((e) => e.name)).toEqual(["x1", "x2", "x3"]);
    // The EXCLUSIVE verifier survives, so a retried CREATE still succeeds.
    const again = await env.svc.create(
      ALICE,
      d.handle,
      "f",
      {},
      { mode: "exclusive", verifier: Buffer.from("v1v2v3v4") },
    );
    expect(again.handle.equals(f.handle)).toBe(true);
    const fresh = await env.svc.create(ALICE, d.handle, "new", {}, { mode: "guarded" });
    for (const old of [d, f, l]) expect(fresh.attr.fileid).not.toBe(old.attr.fileid);
    const s = await env.svc.fsstat(env.root);
    expect(s.totalFiles - s.freeFiles).toBe(8);
    expect(s.totalBytes - s.freeBytes).toBe(12345);
  });

  it("removes files left unlinked-but-open by a crash on the next start", async () => {
    const f = await env.svc.create(ALICE, env.root, "f", {}, { mode: "guarded" });
    env.svc.retain(f.handle);
    await env.svc.remove(ALICE, env.root, "f");
    expect((await env.svc.getattr(f.handle)).nlink).toBe(0);
    await env.restart();
    // Nothing holds it open here any more: an orphan, invisible by handle.
    await expectErrno(env.svc.getattr(f.handle), "ESTALE");
    expect(await env.store.orphans(await rootId(env), 10)).toEqual([f.attr.fileid]);
    // Every store lists its orphans, PostgreSQL too: whether another daemon may still hold one open
    // (a scale-out share) is the file service's decision (files/orphans.ts), not the store's.
    const orphans = await env.svc.orphans(SHARE);
    expect(orphans.map((o) => o.payloadId)).toEqual([f.attr.payloadId]);
    expect(orphans[0]!.handle.equals(f.handle)).toBe(true);
    await env.svc.reap(f.handle);
    expect(await env.svc.orphans(SHARE)).toEqual([]);
  });
}

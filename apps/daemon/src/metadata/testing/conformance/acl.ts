/**
 * Stored ACLs (metadata/ops/acl.ts) on every store: kept with the inode apart from streams and
 * EAs, set with the mode in one transaction by the owner or root only, bounded, dropped by a
 * chmod (not by a chown), gone with the file's last link, and kept across a restart.
 */
import { afterEach, beforeEach, expect, it } from "vitest";
import { ACL_BYTES_MAX } from "../../ops/acl.ts";
import { ALICE, BOB, type Env, expectErrno, makeEnv, ROOT, type StoreFactory } from "./harness.ts";

const SD = Buffer.from("010004801400000000000000000000000000000001010000000000010000000000", "hex");

export function aclServiceTests(factory: StoreFactory, persistent: boolean): void {
  let env: Env;
  let file: Buffer;

  beforeEach(async () => {
    env = await makeEnv(factory);
    await env.svc.setattr(ROOT, env.root, { mode: 0o777 });
    file = (await env.svc.create(ALICE, env.root, "f", { mode: 0o4644 }, { mode: "guarded" })).handle;
  });
  afterEach(async () => env.close());

  it("stores the ACL with the mode's permission bits in one call, apart from streams and EAs", async () => {
    const svc = env.svc;
    expect(await svc.acl(file)).toBeNull();
    const before = await svc.getattr(file);
    await new Promise((r) => setTimeout(r, 5));
    const after = await svc.setAcl(ALICE, file, SD, 0o600);
    expect(after.mode & 0o7777).toBe(0o4600);
    expect(after.ctime).not.toEqual(before.ctime);
    expect(await svc.acl(file)).toEqual(SD);
    expect(await svc.namedAttrs(file, "stream")).toEqual([]);
    expect(await svc.namedAttrs(file, "ea")).toEqual([]);
    await svc.setAcl(ALICE, file, null, 0o640);
    expect(await svc.acl(file)).toBeNull();
    expect((await svc.getattr(file)).mode & 0o777).toBe(0o640);
  });

  it("lets only the owner or root set it, and bounds its size", async () => {
    const svc = env.svc;
    await expectErrno(svc.setAcl(BOB, file, SD, 0o777), "EPERM");
    await expectErrno(svc.setAcl(ALICE, file, Buffer.alloc(ACL_BYTES_MAX + 1), 0o600), "EINVAL");
    expect(await svc.acl(file)).toBeNull();
    // The largest one the bound allows round-trips byte for byte in every store.
    const largest = Buffer.alloc(ACL_BYTES_MAX, 0xa5);
    await svc.setAcl(ALICE, file, largest, 0o600);
    expect((await svc.acl(file))?.equals(largest)).toBe(true);
    await svc.setAcl(ROOT, file, SD, 0o600);
    expect(await svc.acl(file)).toEqual(SD);
  });

  it("a chmod drops the stored ACL, a chown keeps it", async () => {
    const svc = env.svc;
    await svc.setAcl(ALICE, file, SD, 0o600);
    await svc.setattr(ROOT, file, { uid: BOB.uid });
    expect(await svc.acl(file)).toEqual(SD);
    await svc.setattr(ROOT, file, { mode: 0o644 });
    expect(await svc.acl(file)).toBeNull();
  });

  it("goes with the file's last link", async () => {
    const svc = env.svc;
    await svc.setAcl(ALICE, file, SD, 0o600);
    const { fileid } = await svc.getattr(file);
    const { orphan } = await svc.remove(ALICE, env.root, "f");
    await svc.reap(orphan!.handle);
    const left = await env.store.transaction(async (tx) => tx.getNamedAttr(fileid, "acl", "nt"));
    expect(left).toBeUndefined();
    await expectErrno(svc.acl(file), "ESTALE");
  });

  if (persistent) {
    it("keeps the stored ACL across a restart", async () => {
      await env.svc.setAcl(ALICE, file, SD, 0o600);
      await env.restart();
      expect(await env.svc.acl(file)).toEqual(SD);
    });
  }
}

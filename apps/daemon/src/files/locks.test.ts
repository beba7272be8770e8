import { describe, expect, it } from "vitest";
import { SHARE_READ, SHARE_WRITE } from "./share-modes.ts";
import { useMemoryFiles } from "./testing/memory-files.ts";

const ALICE = { uid: 1001, gid: 1001, gids: [] };
const BOB = { uid: 1002, gid: 1002, gids: [] };

describe("file service locks and share reservations", () => {
  const { metadata, files } = useMemoryFiles("/export");
  const root = () => files.resolve(ALICE, metadata.rootHandle("/export"));
  const file = async (name: string, mode = 0o644) => {
    const made = await files.create(root(), name, { mode }, { mode: "guarded" });
    return files.resolve(ALICE, made.handle);
  };

  it("conflicts between owners, tests, unlocks, and wakes a waiter", async () => {
    const f = await file("a");
    await files.lock(f, { owner: "nlm:h/c:1", kind: "exclusive", offset: 0n, length: 10n });
    await expect(
      files.lock(f, { owner: "smb:1:2:", kind: "shared", offset: 5n, length: 1n }),
    ).rejects.toMatchObject({
      code: "EAGAIN",
    });
    expect(files.testLock(f, { owner: "nfs4:1:o:", kind: "shared", offset: 9n, length: 0n })?.owner).toBe(
      "nlm:h/c:1",
    );
    // A waiter is granted when the holder unlocks.
    const waiting = files.lock(f, { owner: "smb:1:2:", kind: "shared", offset: 5n, length: 1n, wait: true });
    files.unlock(f, { owner: "nlm:h/c:1", offset: 0n, length: 10n });
    await waiting;
    expect(files.testLock(f, { owner: "x:", kind: "exclusive", offset: 5n, length: 1n })?.owner).toBe(
      "smb:1:2:",
    );
    files.unlock(f, { owner: "smb:1:2:", offset: 5n, length: 1n });
    expect(files.testLock(f, { owner: "x:", kind: "exclusive", offset: 0n, length: 0n })).toBeNull();
  });

  it("ends a wait when its signal aborts", async () => {
    const f = await file("b");
    await files.lock(f, { owner: "a:", kind: "exclusive", offset: 0n, length: 0n });
    const abort = new AbortController();
    const waiting = files.lock(f, {
      owner: "b:",
      kind: "shared",
      offset: 0n,
      length: 1n,
      wait: true,
      signal: abort.signal,
    });
    abort.abort();
    await expect(waiting).rejects.toMatchObject({ code: "EAGAIN" });
    files.releaseOwner("a:");
    expect(files.testLock(f, { owner: "c:", kind: "exclusive", offset: 0n, length: 0n })).toBeNull();
  });

  it("in a grace period takes only reclaims; a waiter waits it out or is cancelled", async () => {
    const f = await file("g");
    let end = () => {};
    const grace = { active: true, over: new Promise<void>((r) => (end = r)) };
    const drop = files.addLockGrace(grace);
    const req = { kind: "exclusive", offset: 0n, length: 1n } as const;
    await expect(files.lock(f, { ...req, owner: "nlm:a:" })).rejects.toMatchObject({ code: "EGRACE" });
    await files.lock(f, { ...req, owner: "nlm:r:", offset: 10n, reclaim: true });
    const cancel = new AbortController();
    const cancelled = files.lock(f, { ...req, owner: "smb:c:", wait: true, signal: cancel.signal });
    const waiting = files.lock(f, { ...req, owner: "smb:w:", wait: true });
    cancel.abort();
    await expect(cancelled).rejects.toMatchObject({ code: "EAGAIN" });
    expect(files.testLock(f, { ...req, owner: "x:" })).toBeNull();
    grace.active = false;
    end();
    await waiting;
    expect(files.testLock(f, { ...req, owner: "x:" })?.owner).toBe("smb:w:");
    drop();
  });

  it("in a grace period refuses a reservation newly denying reading or writing unless a reclaim", async () => {
    const f = await file("gr");
    const drop = files.addLockGrace({ active: true, over: new Promise(() => {}) });
    const both = SHARE_READ | SHARE_WRITE;
    const grace = expect.objectContaining({ code: "EGRACE" });
    expect(() => files.reserve(f, { owner: "smb:1:1:", access: both, deny: SHARE_WRITE })).toThrow(grace);
    expect(() => files.checkReserveGrace({ access: SHARE_READ, deny: SHARE_READ })).toThrow(grace);
    files.checkReserveGrace({ access: 0, deny: both });
    files.reserve(f, { owner: "smb:1:2:", access: both, deny: 0 });
    files.unreserve(f, "smb:1:2:");
    // A reclaim takes its denial; the same owner may then widen its access or narrow its denial,
    // but not deny more.
    const owner = "nfs4:7:oo:";
    files.reserve(f, { owner, access: SHARE_READ, deny: SHARE_WRITE }, { reclaim: true });
    files.reserve(f, { owner, access: both, deny: SHARE_WRITE });
    expect(() => files.reserve(f, { owner, access: both, deny: both })).toThrow(grace);
    files.reserve(f, { owner, access: SHARE_READ, deny: 0 });
    drop();
    files.reserve(f, { owner, access: both, deny: both });
    files.unreserve(f, owner);
  });

  it("releases an owner's locks and share reservations together, by prefix", async () => {
    const f = await file("c");
    await files.lock(f, { owner: "nfs4:7:lo:", kind: "exclusive", offset: 0n, length: 1n });
    files.reserve(f, { owner: "nfs4:7:oo:", access: SHARE_READ, deny: SHARE_WRITE });
    await files.lock(f, { owner: "nfs4:70:lo:", kind: "shared", offset: 5n, length: 1n });
    expect(() => files.reserve(f, { owner: "smb:1:1:", access: SHARE_WRITE, deny: 0 })).toThrow(
      expect.objectContaining({ code: "EBUSY" }),
    );
    files.releaseOwner("nfs4:7:");
    files.reserve(f, { owner: "smb:1:1:", access: SHARE_WRITE, deny: 0 });
    expect(files.testLock(f, { owner: "x:", kind: "exclusive", offset: 0n, length: 1n })).toBeNull();
    expect(files.testLock(f, { owner: "x:", kind: "exclusive", offset: 5n, length: 1n })?.owner).toBe(
      "nfs4:70:lo:",
    );
    files.unreserve(f, "smb:1:1:");
    files.releaseOwner("nfs4:70:");
  });

  it("asks read permission for a shared lock and write for an exclusive one; the owner may always", async () => {
    const f = await file("d", 0o640);
    const bob = { ...files.resolve(BOB, f.handle) };
    await expect(files.checkLockAccess(bob, false)).rejects.toMatchObject({ code: "EACCES" });
    await files.setattr(f, { attrs: { mode: 0o604 } });
    await files.checkLockAccess(bob, false);
    await expect(files.checkLockAccess(bob, true)).rejects.toMatchObject({ code: "EACCES" });
    await files.setattr(f, { attrs: { mode: 0o000 } });
    await files.checkLockAccess(f, true);
    const readOnly = { ...f, access: { level: "read" as const, writeRefusal: "EROFS" as const } };
    await files.checkLockAccess(readOnly, false);
    await expect(files.checkLockAccess(readOnly, true)).rejects.toMatchObject({ code: "EACCES" });
  });
});

import { describe, expect, it } from "vitest";
import { useMemoryFiles } from "../../../../files/testing/memory-files.ts";
import { LockStateTable, NFS4_LOCK_STATEIDS_PER_CLIENT_MAX, NFS4_UINT64_MAX } from "./locks.ts";

const ROOT = { uid: 0, gid: 0, gids: [] };
const RW = 3;
const OPEN_A = Buffer.alloc(12, 0xa);
const OPEN_B = Buffer.alloc(12, 0xb);

describe("NFSv4 lock state", () => {
  const { metadata, files } = useMemoryFiles("/export");
  let n = 0;
  const file = async () => {
    const made = await files.create(
      files.resolve(ROOT, metadata.rootHandle("/export")),
      `f${n++}`,
      { mode: 0o644 },
      {
        mode: "guarded",
      },
    );
    return files.resolve(ROOT, made.handle);
  };
  const owner = (clientId: bigint, name: string) => ({ clientId, owner: Buffer.from(name) });
  const range = (exclusive: boolean, offset: bigint, length: bigint) => ({ exclusive, offset, length });

  it("caps one client's lock stateids (issue 17): new lock-owners past it are RESOURCE, others unaffected", async () => {
    const t = new LockStateTable(files, 7);
    const f = await file();
    for (let i = 0; i < NFS4_LOCK_STATEIDS_PER_CLIENT_MAX; i++) t.forOwner(owner(1n, `o${i}`), f, OPEN_A);
    expect(t.forOwner(owner(1n, "o0"), f, OPEN_A).clientId).toBe(1n); // an existing owner still is found
    expect(() => t.forOwner(owner(1n, "one-more"), f, OPEN_A)).toThrow(
      expect.objectContaining({ code: "RESOURCE" }),
    );
    expect(t.forOwner(owner(2n, "o0"), f, OPEN_B).clientId).toBe(2n);
    t.forgetClient(1n);
    expect(t.forOwner(owner(1n, "one-more"), f, OPEN_A).clientId).toBe(1n);
  });

  it("gives a lock-owner one stateid per file whose seqid goes up with each LOCK and LOCKU", async () => {
    const t = new LockStateTable(files, 7);
    const f = await file();
    const st = t.forOwner(owner(1n, "p1"), f, OPEN_A);
    expect(t.forOwner(owner(1n, "p1"), f, OPEN_A)).toBe(st);
    expect(await t.lock(st, range(true, 0n, 10n), RW)).toEqual({ seqid: 1, other: st.other });
    expect(await t.lock(st, range(false, 20n, 10n), RW)).toMatchObject({ seqid: 2 });
    expect(t.unlock(st, 0n, 10n)).toMatchObject({ seqid: 3 });
    expect(st.other.readUInt32BE(0)).toBe(7);
    expect(t.has(st.other)).toBe(true);
    expect(t.find({ seqid: 3, other: st.other })).toBe(st);
    expect(t.find({ seqid: 0, other: st.other })).toBe(st);
    expect(() => t.find({ seqid: 2, other: st.other })).toThrow(
      expect.objectContaining({ code: "OLD_STATEID" }),
    );
    expect(() => t.find({ seqid: 9, other: st.other })).toThrow(
      expect.objectContaining({ code: "BAD_STATEID" }),
    );
    expect(() => t.find({ seqid: 1, other: OPEN_A })).toThrow(
      expect.objectContaining({ code: "BAD_STATEID" }),
    );
  });

  it("denies a conflicting lock naming its owner, for v4, NLM and SMB holders alike", async () => {
    const t = new LockStateTable(files, 1);
    const f = await file();
    const a = t.forOwner(owner(0x10n, "alice"), f, OPEN_A);
    const b = t.forOwner(owner(0x20n, "bob"), f, OPEN_B);
    await t.lock(a, range(true, 100n, NFS4_UINT64_MAX), RW);
    expect(await t.lock(b, range(false, 150n, 1n), RW)).toEqual({
      offset: 100n,
      length: NFS4_UINT64_MAX,
      exclusive: true,
      owner: { clientId: 0x10n, owner: Buffer.from("alice") },
    });
    // Shared locks of two owners coexist; a lock below the range is free.
    expect(await t.lock(b, range(false, 0n, 40n), RW)).toMatchObject({ seqid: 1 });
    // An NLM lock blocks v4, and the v4 lock is what NLM sees.
    await files.lock(f, { owner: "nlm:127.0.0.1/h:5", kind: "shared", offset: 50n, length: 10n });
    expect(await t.lock(a, range(true, 55n, 1n), RW)).toMatchObject({
      owner: { clientId: 0n, owner: Buffer.from("nlm:127.0.0.1/h:5") },
    });
    expect(files.testLock(f, { owner: "smb:1:1:", kind: "shared", offset: 200n, length: 1n })?.owner).toBe(
      "nfs4:10:lock:616c696365:",
    );
    // LOCKT: the owner's own lock never conflicts with it.
    expect(t.test(f, owner(0x10n, "alice"), range(true, 100n, 5n))).toBeNull();
    expect(t.test(f, owner(0x30n, "carol"), range(false, 5000n, 5n))?.owner.clientId).toBe(0x10n);
  });

  it("checks ranges and the open's access", async () => {
    const t = new LockStateTable(files, 1);
    const f = await file();
    const st = t.forOwner(owner(1n, "r"), f, OPEN_A);
    await expect(t.lock(st, range(true, 0n, 1n), 1)).rejects.toMatchObject({ code: "OPENMODE" });
    expect(await t.lock(st, range(false, 0n, 1n), 1)).toMatchObject({ seqid: 1 });
    await expect(t.lock(st, range(false, 0n, 0n), RW)).rejects.toMatchObject({ code: "INVAL" });
    await expect(t.lock(st, range(false, NFS4_UINT64_MAX, 2n), RW)).rejects.toMatchObject({ code: "INVAL" });
    // Past 2^53: exact, still a lock.
    expect(await t.lock(st, range(false, 1n << 60n, 10n), RW)).toMatchObject({ seqid: 2 });
    const other = owner(9n, "other");
    expect(t.test(f, other, range(true, (1n << 60n) + 9n, 1n))).toMatchObject({
      offset: 1n << 60n,
      length: 10n,
    });
    expect(t.test(f, other, range(true, (1n << 60n) + 10n, 1n))).toBeNull();
  });

  it("keeps stateids that hold locks (LOCKS_HELD) and frees them once unlocked", async () => {
    const t = new LockStateTable(files, 1);
    const f = await file();
    const st = t.forOwner(owner(2n, "x"), f, OPEN_A);
    await t.lock(st, range(true, 0n, 10n), RW);
    expect(() => t.free(st)).toThrow(expect.objectContaining({ code: "LOCKS_HELD" }));
    expect(() => t.releaseLockOwner(owner(2n, "x"))).toThrow(expect.objectContaining({ code: "LOCKS_HELD" }));
    t.unlock(st, 0n, NFS4_UINT64_MAX);
    t.releaseLockOwner(owner(2n, "x"));
    expect(t.has(st.other)).toBe(false);
    const again = t.forOwner(owner(2n, "x"), f, OPEN_A);
    expect(again.other.equals(st.other)).toBe(false);
    t.free(again);
    expect(t.size).toBe(0);
  });

  it("drops an open's lock stateids and locks at CLOSE, and a gone client's everywhere", async () => {
    const t = new LockStateTable(files, 1);
    const f = await file();
    const g = await file();
    const probe = (on: typeof f) =>
      files.testLock(on, { owner: "p:", kind: "exclusive", offset: 0n, length: 0n });
    const st = t.forOwner(owner(3n, "o"), f, OPEN_A);
    await t.lock(st, range(true, 0n, 1n), RW);
    t.closeOpen(OPEN_A);
    expect(probe(f)).toBeNull();
    expect(t.has(st.other)).toBe(false);
    await t.lock(t.forOwner(owner(3n, "o"), f, OPEN_B), range(true, 0n, 1n), RW);
    await t.lock(t.forOwner(owner(3n, "o"), g, OPEN_B), range(true, 0n, 1n), RW);
    await t.lock(t.forOwner(owner(0x30n, "o"), g, OPEN_A), range(false, 5n, 1n), RW);
    t.forgetClient(3n);
    expect(probe(f)).toBeNull();
    expect(probe(g)?.owner).toBe("nfs4:30:lock:6f:");
    expect(t.size).toBe(1);
  });
});

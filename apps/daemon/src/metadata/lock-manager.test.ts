import { describe, expect, it } from "vitest";
import { LOCK_WAITERS_PER_SHARE_MAX, LockManager } from "./lock-manager.ts";
import type { LockRange } from "./lock-types.ts";

const L = (
  owner: string,
  kind: LockRange["kind"],
  offset: number | bigint,
  length: number | bigint,
): LockRange => ({
  owner,
  kind,
  offset: BigInt(offset),
  length: BigInt(length),
});
/** A Windows (SMB) lock. */
const W = (
  owner: string,
  kind: LockRange["kind"],
  offset: number | bigint,
  length: number | bigint,
): LockRange => ({
  ...L(owner, kind, offset, length),
  windows: true,
});

/** Resolves to "granted" or the error code, or "pending" if still waiting after a macrotask. */
async function state(p: Promise<void>): Promise<string> {
  const tagged = p.then(
    () => "granted",
    (e: { code?: string }) => e.code ?? "error",
  );
  return Promise.race([tagged, new Promise<string>((r) => setTimeout(() => r("pending"), 5))]);
}

describe("LockManager", () => {
  it("lets shared locks overlap and makes exclusive ones conflict across owners", async () => {
    const m = new LockManager();
    await m.lock("f", L("a", "shared", 0, 100), false);
    await m.lock("f", L("b", "shared", 50, 100), false);
    await expect(m.lock("f", L("c", "exclusive", 90, 5), false)).rejects.toMatchObject({ code: "EAGAIN" });
    expect(m.test("f", L("c", "exclusive", 90, 5))).toMatchObject({ owner: "a" });
    expect(m.test("f", L("c", "exclusive", 150, 5))).toBeNull();
    expect(m.test("f", L("c", "shared", 0, 0))).toBeNull();
    expect(m.test("g", L("c", "exclusive", 0, 0))).toBeNull();
    await m.lock("f", L("c", "exclusive", 150, 10), false);
  });

  it("treats length 0 as to end of file and ranges as half-open", async () => {
    const m = new LockManager();
    await m.lock("f", L("a", "exclusive", 100, 0), false);
    expect(m.test("f", L("b", "shared", 1_000_000_000, 1))).toMatchObject({ owner: "a", length: 0n });
    expect(m.test("f", L("b", "shared", 0, 100))).toBeNull();
    expect(m.test("f", L("b", "shared", 0, 101))).not.toBeNull();
  });

  it("lets an owner re-lock and split its own ranges (POSIX/NLM)", async () => {
    const m = new LockManager();
    await m.lock("f", L("a", "exclusive", 0, 100), false);
    await m.lock("f", L("a", "shared", 40, 20), false);
    expect(m.held("f")).toEqual([
      L("a", "exclusive", 0, 40),
      L("a", "exclusive", 60, 40),
      L("a", "shared", 40, 20),
    ]);
    expect(m.test("f", L("b", "shared", 45, 5))).toBeNull();
    m.unlock("f", { owner: "a", offset: 0n, length: 50n });
    expect(m.held("f")).toEqual([L("a", "exclusive", 60, 40), L("a", "shared", 50, 10)]);
    m.unlock("f", { owner: "b", offset: 0n, length: 0n });
    expect(m.held("f")).toHaveLength(2);
    m.unlock("f", { owner: "a", offset: 0n, length: 0n });
    expect(m.held("f")).toEqual([]);
  });

  it("wakes blocked waiters in order when the conflict goes away", async () => {
    const m = new LockManager();
    await m.lock("f", L("a", "exclusive", 0, 10), false);
    const b = m.lock("f", L("b", "exclusive", 5, 10), true);
    const c = m.lock("f", L("c", "shared", 0, 1), true);
    expect(await state(b)).toBe("pending");
    expect(await state(c)).toBe("pending");
    m.unlock("f", { owner: "a", offset: 0n, length: 5n });
    expect(await state(c)).toBe("granted");
    expect(await state(b)).toBe("pending");
    m.unlock("f", { owner: "a", offset: 5n, length: 5n });
    expect(await state(b)).toBe("granted");
    expect(m.test("f", L("x", "shared", 7, 1))).toMatchObject({ owner: "b" });
  });

  it("cancels a waiter through its AbortSignal", async () => {
    const m = new LockManager();
    await m.lock("f", L("a", "exclusive", 0, 0), false);
    const ac = new AbortController();
    const w = m.lock("f", L("b", "exclusive", 0, 1), true, ac.signal);
    ac.abort();
    expect(await state(w)).toBe("EAGAIN");
    m.unlockAll("a");
    expect(m.held("f")).toEqual([]);
    const pre = new AbortController();
    pre.abort();
    await m.lock("f", L("a", "exclusive", 0, 0), false);
    expect(await state(m.lock("f", L("b", "shared", 0, 1), true, pre.signal))).toBe("EAGAIN");
  });

  it("drops every lock and waiter of an owner prefix, waking others", async () => {
    const m = new LockManager();
    await m.lock("f", L("nlm:h1:1", "exclusive", 0, 10), false);
    await m.lock("g", L("nlm:h1:2", "exclusive", 0, 10), false);
    await m.lock("g", L("nlm:h2:1", "shared", 20, 10), false);
    const other = m.lock("f", L("nlm:h2:7", "exclusive", 0, 1), true);
    const own = m.lock("g", L("nlm:h1:9", "exclusive", 20, 1), true);
    m.unlockAll("nlm:h1:");
    expect(await state(other)).toBe("granted");
    expect(await state(own)).toBe("EAGAIN");
    expect(m.held("g")).toEqual([L("nlm:h2:1", "shared", 20, 10)]);
  });

  it("detects a two-owner deadlock", async () => {
    const m = new LockManager();
    await m.lock("f", L("a", "exclusive", 0, 1), false);
    await m.lock("g", L("b", "exclusive", 0, 1), false);
    const aWaits = m.lock("g", L("a", "exclusive", 0, 1), true);
    await expect(m.lock("f", L("b", "exclusive", 0, 1), true)).rejects.toMatchObject({ code: "EDEADLK" });
    m.unlock("g", { owner: "b", offset: 0n, length: 1n });
    expect(await state(aWaits)).toBe("granted");
  });

  it("bounds waiters and rejects bad ranges", async () => {
    const m = new LockManager();
    await m.lock("f", L("a", "exclusive", 0, 0), false);
    const waits = Array.from({ length: LOCK_WAITERS_PER_SHARE_MAX }, (_, i) =>
      m.lock("f", L(`w${i}`, "shared", 0, 1), true).catch(() => {}),
    );
    await expect(m.lock("f", L("late", "shared", 0, 1), true)).rejects.toMatchObject({ code: "EAGAIN" });
    await expect(m.lock("f", L("x", "shared", -1, 1), false)).rejects.toMatchObject({ code: "EINVAL" });
    expect(() => m.test("f", L("x", "shared", 2n ** 64n - 1n, 2))).toThrow(
      expect.objectContaining({ code: "EINVAL" }),
    );
    m.clear();
    await Promise.all(waits);
  });

  it("stacks Windows locks per owner and unlocks one of exactly the range, oldest first", async () => {
    const m = new LockManager();
    await m.lock("f", W("smb:1:", "exclusive", 0, 10), false);
    await m.lock("f", W("smb:1:", "shared", 0, 10), false);
    await m.lock("f", W("smb:1:", "shared", 0, 10), false);
    expect(m.held("f")).toHaveLength(3);
    // Own locks conflict except a shared one over an exclusive one.
    await expect(m.lock("f", W("smb:1:", "exclusive", 5, 1), false)).rejects.toMatchObject({
      code: "EAGAIN",
    });
    await expect(m.lock("f", W("smb:2:", "shared", 5, 1), false)).rejects.toMatchObject({ code: "EAGAIN" });
    expect(m.unlock("f", { owner: "smb:1:", offset: 0n, length: 5n, windows: true })).toBe(false);
    expect(m.unlock("f", { owner: "smb:1:", offset: 0n, length: 10n, windows: true })).toBe(true);
    expect(m.held("f").map((l) => l.kind)).toEqual(["shared", "shared"]);
    await m.lock("f", W("smb:2:", "shared", 5, 1), false);
    expect(m.unlock("f", { owner: "smb:1:", offset: 0n, length: 10n, windows: true })).toBe(true);
    expect(m.unlock("f", { owner: "smb:1:", offset: 0n, length: 10n, windows: true })).toBe(true);
    expect(m.unlock("f", { owner: "smb:1:", offset: 0n, length: 10n, windows: true })).toBe(false);
    await expect(m.lock("f", W("smb:1:", "shared", 0, 10), false)).resolves.toBeUndefined();
    await expect(m.lock("f", W("smb:1:", "exclusive", 20, 1), false)).resolves.toBeUndefined();
    await expect(m.lock("f", W("smb:1:", "exclusive", 20, 1), false)).rejects.toMatchObject({
      code: "EAGAIN",
    });
  });

  it("keeps POSIX merging beside Windows locks, and both conflict across protocols", async () => {
    const m = new LockManager();
    await m.lock("f", L("nlm:h:1", "exclusive", 0, 100), false);
    await m.lock("f", L("nlm:h:1", "exclusive", 50, 100), false);
    expect(m.held("f")).toEqual([L("nlm:h:1", "exclusive", 0, 50), L("nlm:h:1", "exclusive", 50, 100)]);
    await expect(m.lock("f", W("smb:1:", "shared", 149, 1), false)).rejects.toMatchObject({ code: "EAGAIN" });
    await m.lock("f", W("smb:1:", "shared", 150, 10), false);
    expect(m.test("f", L("nfs4:1:o:", "exclusive", 155, 1))).toMatchObject({ owner: "smb:1:" });
    // A POSIX lock to the end of the file reaches a Windows lock at the last byte.
    await m.lock("f", W("smb:2:", "shared", 2n ** 64n - 1n, 1), false);
    expect(m.test("f", L("nlm:h:2", "exclusive", 200, 0))).toMatchObject({ owner: "smb:2:" });
    // A POSIX unlock never touches the Windows owner's locks, nor the reverse.
    m.unlock("f", { owner: "nlm:h:1", offset: 0n, length: 0n });
    expect(m.unlock("f", { owner: "nlm:h:1", offset: 0n, length: 50n, windows: true })).toBe(false);
    expect(m.held("f").map((l) => l.owner)).toEqual(["smb:1:", "smb:2:"]);
  });

  it("zero-byte Windows locks conflict only with a lock holding their offset and the byte before", async () => {
    const m = new LockManager();
    await m.lock("f", W("a", "exclusive", 10, 0), false);
    for (const [offset, length] of [
      [10, 0],
      [9, 1],
      [10, 1],
      [11, 1],
      [10, 2],
    ] as const) {
      expect(m.test("f", W("b", "exclusive", offset, length))).toBeNull();
    }
    expect(m.test("f", W("b", "exclusive", 9, 2))).toMatchObject({ owner: "a" });
    expect(m.test("f", W("a", "exclusive", 9, 3))).toMatchObject({ owner: "a" });
    await m.lock("f", W("c", "exclusive", 0, 0), false);
    expect(m.test("f", W("b", "exclusive", 0, 0))).toBeNull();
  });

  it("keeps 64-bit ranges exact past 2^53", async () => {
    const m = new LockManager();
    const big = 2n ** 63n;
    await m.lock("f", W("a", "exclusive", big - 1n, 1), false);
    await m.lock("f", W("b", "exclusive", big, 1), false);
    await m.lock("f", L("nlm:x:1", "exclusive", 2n ** 53n + 1n, 1), false);
    await m.lock("f", L("nlm:x:2", "exclusive", 2n ** 53n, 1), false);
    expect(m.test("f", W("c", "shared", big - 2n, 1))).toBeNull();
    expect(m.test("f", W("c", "shared", big - 2n, 2))).toMatchObject({ owner: "a" });
    expect(m.test("f", W("c", "shared", big + 1n, 2n ** 64n - big - 1n))).toBeNull();
    expect(m.held("f")).toHaveLength(4);
  });

  it("lets an owner's reads and writes through its own locks, except a Windows shared lock its writes", async () => {
    const m = new LockManager();
    await m.lock("f", W("smb:1:", "shared", 0, 10), false);
    await m.lock("f", W("smb:1:", "exclusive", 20, 10), false);
    await m.lock("f", L("nlm:h:1", "shared", 40, 10), false);
    expect(m.test("f", W("smb:1:", "shared", 0, 5), true)).toBeNull();
    expect(m.test("f", W("smb:1:", "exclusive", 0, 5), true)).toMatchObject({ owner: "smb:1:" });
    expect(m.test("f", W("smb:1:", "exclusive", 20, 5), true)).toBeNull();
    expect(m.test("f", W("smb:2:", "shared", 20, 5), true)).toMatchObject({ owner: "smb:1:" });
    expect(m.test("f", L("nlm:h:1", "exclusive", 40, 5), true)).toBeNull();
    expect(m.test("f", W("smb:2:", "exclusive", 40, 5), true)).toMatchObject({ owner: "nlm:h:1" });
  });
});

import { describe, expect, it } from "vitest";
import { LOCK_WAITERS_PER_SHARE_MAX, LockManager } from "./lock-manager.ts";
import type { LockRange } from "./types.ts";

const L = (owner: string, kind: LockRange["kind"], offset: number, length: number): LockRange => ({
  owner,
  kind,
  offset,
  length,
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
    expect(m.test("f", L("b", "shared", 1_000_000_000, 1))).toMatchObject({ owner: "a", length: 0 });
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
    m.unlock("f", { owner: "a", offset: 0, length: 50 });
    expect(m.held("f")).toEqual([L("a", "exclusive", 60, 40), L("a", "shared", 50, 10)]);
    m.unlock("f", { owner: "b", offset: 0, length: 0 });
    expect(m.held("f")).toHaveLength(2);
    m.unlock("f", { owner: "a", offset: 0, length: 0 });
    expect(m.held("f")).toEqual([]);
  });

  it("wakes blocked waiters in order when the conflict goes away", async () => {
    const m = new LockManager();
    await m.lock("f", L("a", "exclusive", 0, 10), false);
    const b = m.lock("f", L("b", "exclusive", 5, 10), true);
    const c = m.lock("f", L("c", "shared", 0, 1), true);
    expect(await state(b)).toBe("pending");
    expect(await state(c)).toBe("pending");
    m.unlock("f", { owner: "a", offset: 0, length: 5 });
    expect(await state(c)).toBe("granted");
    expect(await state(b)).toBe("pending");
    m.unlock("f", { owner: "a", offset: 5, length: 5 });
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
    m.unlock("g", { owner: "b", offset: 0, length: 1 });
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
    expect(() => m.test("f", L("x", "shared", 0, 1.5))).toThrow(expect.objectContaining({ code: "EINVAL" }));
    m.clear();
    await Promise.all(waits);
  });
});

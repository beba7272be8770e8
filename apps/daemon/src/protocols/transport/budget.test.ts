/**
 * The memory budget (budget.ts): counted bytes alone, and with the process's resident set, where
 * reserved bytes still to arrive count on top of what was measured. `freeNow` (framed-reader.ts)
 * returns a closed connection's buffers at once.
 */
import { describe, expect, it } from "vitest";
import { ByteBudget } from "./budget.ts";
import { freeNow } from "./framed-reader.ts";

const MIB = 1024 * 1024;
/** Longer than the budget keeps a resident-set sample (SAMPLE_MAX_AGE_MS). */
const sampleExpired = () => new Promise((r) => setTimeout(r, 15));

describe("ByteBudget", () => {
  it("without a probe limits the counted bytes, and an empty budget grants one reservation", () => {
    const b = new ByteBudget(64 * MIB);
    expect(b.tryReserve(100 * MIB)).toBe(true);
    expect(b.tryReserve(1)).toBe(false);
    b.release(100 * MIB);
    expect(b.tryReserve(40 * MIB)).toBe(true);
    // Large frames stop 8 MiB short of the limit; small ones (handshakes) may use that room.
    expect(b.tryReserve(16 * MIB)).toBe(true);
    expect(b.tryReserve(1 * MIB)).toBe(false);
    expect(b.tryReserve(32 * 1024)).toBe(true);
    expect(b.tryReserve(8 * MIB)).toBe(false);
  });

  it("with a probe admits against the resident set plus what is reserved and has not arrived", async () => {
    let resident = 200 * MIB;
    const b = new ByteBudget(256 * MIB, () => resident);
    expect(b.tryReserve(8 * MIB)).toBe(true); // the first is always granted
    // 200 resident + 8 to come + 40 = 248 (the limit less the small frames' 8 MiB): fits.
    expect(b.tryReserve(40 * MIB)).toBe(true);
    expect(b.tryReserve(9 * MIB)).toBe(false);
    expect(b.pendingBytes).toBe(48 * MIB);
    // Bytes that arrive move from pending into the resident set: no new room.
    b.arrived(40 * MIB);
    resident += 40 * MIB;
    expect(b.tryReserve(9 * MIB)).toBe(false);
    // Another part of the process grows (the cache, garbage not yet collected): less room once
    // the budget measures again.
    b.release(40 * MIB);
    resident += 30 * MIB;
    await sampleExpired();
    expect(b.usedBytes).toBe(8 * MIB);
    expect(b.tryReserve(1 * MIB)).toBe(false);
    // A connection closing mid-frame gives back what never came; the process shrinks again.
    b.release(8 * MIB, 8 * MIB);
    expect(b.pendingBytes).toBe(0);
    resident = 200 * MIB;
    await sampleExpired();
    expect(b.tryReserve(50 * MIB)).toBe(true);
    expect(b.tryReserve(6 * MIB)).toBe(false);
    expect(b.tryReserve(32 * 1024)).toBe(true);
  });

  it("wakes waiters when bytes are released", () => {
    const b = new ByteBudget(10);
    b.tryReserve(10);
    let woken = 0;
    b.waitForRoom(() => woken++, 5);
    b.release(5);
    expect(woken).toBe(1);
  });

  it("near the limit measures the resident set at most once per 10 ms, refusals included", () => {
    let clock = 0;
    let reads = 0;
    const b = new ByteBudget(
      256 * MIB,
      () => {
        reads++;
        return 250 * MIB;
      },
      () => clock,
    );
    expect(b.tryReserve(MIB)).toBe(true); // the first is always granted, unmeasured
    for (let i = 0; i < 100; i++) expect(b.tryReserve(MIB)).toBe(false);
    expect(reads).toBe(1);
    clock += 9.9;
    expect(b.tryReserve(MIB)).toBe(false);
    expect(reads).toBe(1);
    clock += 0.1;
    expect(b.tryReserve(MIB)).toBe(false);
    expect(reads).toBe(2);
  });

  it("wakes a waiter only when its reservation fits, and the first one once the budget is empty", () => {
    let clock = 0;
    let resident = 200 * MIB;
    const b = new ByteBudget(
      256 * MIB,
      () => resident,
      () => clock,
    );
    const woken: string[] = [];
    expect(b.tryReserve(2 * MIB)).toBe(true);
    expect(b.tryReserve(2 * MIB)).toBe(true);
    resident = 255 * MIB;
    clock += 10;
    expect(b.tryReserve(4 * MIB)).toBe(false);
    b.waitForRoom(() => woken.push("big"), 4 * MIB);
    b.waitForRoom(() => woken.push("small"), 32 * 1024);
    // Still over by the resident set: a release wakes nobody.
    b.release(2 * MIB, 2 * MIB);
    expect(woken).toEqual([]);
    // The process shrank: the small one fits, the big one (kept clear of the small frames'
    // headroom) does not, and does not keep the small one waiting.
    resident = 243 * MIB;
    clock += 10;
    b.release(0);
    expect(woken).toEqual(["small"]);
    // The budget empties with the resident set still over: the first waiter goes, as
    // tryReserve grants an empty budget one reservation.
    resident = 300 * MIB;
    clock += 10;
    b.release(2 * MIB, 2 * MIB);
    expect(woken).toEqual(["small", "big"]);
  });
});

describe("freeNow", () => {
  it("frees a buffer that owns its memory at once and leaves pooled slices alone", () => {
    const big = Buffer.allocUnsafe(8 * MIB);
    const before = process.memoryUsage().arrayBuffers;
    freeNow(big);
    expect(big.length).toBe(0);
    expect(before - process.memoryUsage().arrayBuffers).toBeGreaterThanOrEqual(8 * MIB);
    const pooled = Buffer.from("abc");
    freeNow(pooled);
    expect(pooled.toString()).toBe("abc");
    const slice = Buffer.alloc(64 * 1024).subarray(0, 1024);
    freeNow(slice);
    expect(slice.length).toBe(1024);
  });
});

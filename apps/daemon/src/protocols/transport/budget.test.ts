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
    b.waitForRoom(() => woken++);
    b.release(5);
    expect(woken).toBe(1);
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

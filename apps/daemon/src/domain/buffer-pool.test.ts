import { describe, expect, it } from "vitest";
import {
  BufferPool,
  capacityOf,
  escapeBuffer,
  heldUntil,
  POOL_FREE_BYTES_MAX,
  pooled,
  receivePoolFor,
  release,
  retain,
  vouch,
} from "./buffer-pool.ts";

const MiB = 1024 * 1024;

describe("BufferPool", () => {
  it("reuses the memory of a vouched frame once its last holder let go", () => {
    const pool = new BufferPool();
    const a = pool.take(MiB + 200);
    expect(a.length).toBe(MiB + 200);
    vouch(a);
    retain(a.subarray(300)); // the cache keeps a slice of it
    release(a); // the request ended
    expect(pool.counters.returned).toBe(0);
    release(a.subarray(300)); // the cache let go
    expect(pool.counters.returned).toBe(1);
    expect(pooled(a)).toBe(false);
    const b = pool.take(MiB + 100); // the same size class
    expect(b.buffer).toBe(a.buffer);
    expect(pool.counters).toMatchObject({ allocated: 1, reused: 1 });
  });

  it("never reuses a frame nobody vouched for, or one whose view escaped", () => {
    const pool = new BufferPool();
    const unvouched = pool.take(MiB);
    release(unvouched);
    const escaped = pool.take(MiB);
    vouch(escaped);
    retain(escaped);
    escapeBuffer(escaped.subarray(10, 20)); // a READ reply holds a view
    vouch(escaped); // vouching again does not undo an escape
    release(escaped);
    release(escaped);
    expect(pool.counters.returned).toBe(0);
    expect(pool.take(MiB).buffer).not.toBe(unvouched.buffer);
    expect(pool.counters.allocated).toBe(3);
  });

  it("holds a buffer until a promise settles, rejected ones too", async () => {
    const pool = new BufferPool();
    const a = pool.take(MiB);
    vouch(a);
    let fail!: (e: Error) => void;
    const written = heldUntil(
      a,
      new Promise<void>((_, rej) => {
        fail = rej;
      }),
    );
    release(a);
    expect(pool.counters.returned).toBe(0);
    fail(new Error("EIO"));
    await expect(written).rejects.toThrow("EIO");
    expect(pool.counters.returned).toBe(1);
  });

  it("keeps at most freeBytesMax free, other sizes giving way to the one returned", () => {
    const pool = new BufferPool(3 * MiB);
    const small = [pool.take(MiB), pool.take(MiB)];
    const big = pool.take(2 * MiB);
    for (const b of [...small, big]) {
      vouch(b);
      release(b);
    }
    // 1 + 1 kept, then 2 MiB needs one 1 MiB to go.
    expect(pool.counters).toMatchObject({ returned: 3, dropped: 1, freeBytes: 3 * MiB });
    const again = pool.take(2 * MiB);
    expect(again.buffer).toBe(big.buffer);
  });

  it("a daemon's pool keeps as much free memory as the payload cache has room for, at least the default", () => {
    let room = 2 * POOL_FREE_BYTES_MAX;
    const pool = receivePoolFor({ cacheRoomBytes: () => room });
    const frames = Array.from({ length: (2 * POOL_FREE_BYTES_MAX) / MiB }, () => pool.take(MiB));
    const back = (bs: Buffer[]) => {
      for (const b of bs) {
        vouch(b);
        release(b);
      }
    };
    back(frames.slice(0, -8)); // a file the cache dropped: every frame kept while the cache has room
    expect(pool.counters).toMatchObject({ returned: frames.length - 8, dropped: 0 });
    room = 0; // the cache filled up meanwhile: past the default, memory goes to the collector
    back(frames.slice(-8));
    expect(pool.counters).toMatchObject({ returned: frames.length - 8, dropped: 8 });
    const again = pool.take(MiB);
    expect(again.buffer).toBe(frames[frames.length - 9]!.buffer);
  });

  it("counts a release beyond the holders as a bug and never reuses that buffer", () => {
    const pool = new BufferPool();
    const a = pool.take(MiB);
    release(a);
    vouch(a);
    release(a);
    expect(pool.counters).toMatchObject({ overReleased: 1, returned: 0 });
  });

  it("poisons memory given back when asked (tests: a stale reader sees garbage)", () => {
    const pool = new BufferPool(undefined, true);
    const a = pool.take(64 * 1024);
    a.fill(7);
    const view = a.subarray(0, 16);
    vouch(a);
    release(a);
    expect([...view].every((x) => x === 0xdb)).toBe(true);
  });

  it("rounds capacities up within a 16th, so an adopted frame pins little more than itself", () => {
    expect(capacityOf(MiB + 200)).toBe(MiB + 64 * 1024);
    expect(capacityOf(256 * 1024 + 200)).toBe(256 * 1024 + 16 * 1024);
    expect(capacityOf(8 * MiB + 112)).toBe(8 * MiB + 512 * 1024);
    expect(capacityOf(100)).toBe(4096);
    for (const n of [33_000, 300_000, 1_048_700, 5_000_000]) {
      expect(capacityOf(n)).toBeGreaterThanOrEqual(n);
      expect(capacityOf(n) - n).toBeLessThanOrEqual(Math.max(4096, n / 16));
    }
  });
});

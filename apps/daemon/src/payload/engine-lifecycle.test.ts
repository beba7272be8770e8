import pino from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { BlockEntry } from "./cache/block-entry.ts";
import type { BlockCache } from "./cache/cache.ts";
import { COMMIT_UPLOAD_DELAY_MS, EngineLifecycle, type LifecycleHooks } from "./engine-lifecycle.ts";
import type { PayloadState } from "./payload-state.ts";

/** The hooks the lifecycle acts on, recording what its timers did. */
function harness(idleUploadMs?: number) {
  const scheduled: BlockEntry[] = [];
  let reclaims = 0;
  let reclaimResult: () => Promise<void> = async () => {};
  let pressure: (() => void) | null = null;
  const cache = {
    onPressure(fn: () => void) {
      pressure = fn;
      return () => {
        pressure = null;
      };
    },
  } as unknown as BlockCache;
  const hooks: LifecycleHooks = {
    dirty: new Set<BlockEntry>(),
    cache,
    logger: pino({ level: "silent" }),
    scheduleUpload: (e) => scheduled.push(e),
    urge: () => {},
    walFull: () => false,
    reclaim: () => {
      reclaims++;
      return reclaimResult();
    },
  };
  const life = new EngineLifecycle(hooks, idleUploadMs);
  return {
    life,
    hooks,
    scheduled,
    reclaims: () => reclaims,
    failReclaims: () => {
      reclaimResult = () => Promise.reject(new Error("store down"));
    },
    pressure: () => pressure?.(),
  };
}

const entry = (lastWriteMs: number) => ({ lastWriteMs }) as unknown as BlockEntry;
const payloadOf = (...blocks: BlockEntry[]) =>
  ({ blocks: new Map(blocks.map((b, i) => [i, b])) }) as unknown as PayloadState;

describe("EngineLifecycle", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 10_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("the idle scan uploads dirty blocks untouched for idleUploadMs, not the recently written", async () => {
    const h = harness(1_000);
    const old = entry(10_000);
    const recent = entry(10_900);
    h.hooks.dirty.add(old).add(recent);
    h.life.start();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(h.scheduled).toContain(old);
    expect(h.scheduled).not.toContain(recent);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(h.scheduled).toContain(recent);
  });

  it("uploads after COMMITs are batched: each block of each committed payload once per window", async () => {
    const h = harness();
    const a = entry(0);
    const b = entry(0);
    const p = payloadOf(a, b);
    h.life.uploadAfterCommit(p);
    h.life.uploadAfterCommit(p);
    expect(h.scheduled).toEqual([]);
    await vi.advanceTimersByTimeAsync(COMMIT_UPLOAD_DELAY_MS);
    expect(h.scheduled).toEqual([a, b]);
    h.life.uploadAfterCommit(p);
    await vi.advanceTimersByTimeAsync(COMMIT_UPLOAD_DELAY_MS);
    expect(h.scheduled).toEqual([a, b, a, b]);
  });

  it("WAL reclaim is debounced, and a failed round is logged, not thrown", async () => {
    const h = harness();
    h.failReclaims();
    h.life.reclaimSoon();
    h.life.reclaimSoon();
    h.life.reclaimSoon();
    await vi.runAllTimersAsync();
    expect(h.reclaims()).toBe(1);
    h.life.reclaimSoon();
    await vi.runAllTimersAsync();
    expect(h.reclaims()).toBe(2);
  });

  it("cache pressure schedules every dirty block", () => {
    const h = harness();
    const a = entry(0);
    h.hooks.dirty.add(a);
    h.pressure();
    expect(h.scheduled).toEqual([a]);
  });

  it("after stop no timer fires and pressure schedules nothing", async () => {
    const h = harness(1_000);
    h.hooks.dirty.add(entry(0));
    h.life.start(); // queues a reclaim round
    h.life.uploadAfterCommit(payloadOf(entry(0)));
    h.life.stop();
    expect(h.life.closed).toBe(true);
    h.pressure();
    h.life.reclaimSoon();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(h.scheduled).toEqual([]);
    expect(h.reclaims()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("drain waits for jobs and for the jobs they start; settle only for those running now", async () => {
    vi.useRealTimers();
    const h = harness();
    const order: string[] = [];
    let releaseFirst!: () => void;
    let releaseSecond!: () => void;
    const second = new Promise<void>((r) => {
      releaseSecond = r;
    }).then(() => {
      order.push("second");
    });
    const first = new Promise<void>((r) => {
      releaseFirst = r;
    }).then(() => {
      h.life.track(second);
      order.push("first");
    });
    h.life.track(first);
    const settled = h.life.settle().then(() => order.push("settled"));
    const drained = h.life.drain().then(() => order.push("drained"));
    releaseFirst();
    await settled;
    expect(order).toEqual(["first", "settled"]);
    releaseSecond();
    await drained;
    expect(order).toEqual(["first", "settled", "second", "drained"]);
  });
});

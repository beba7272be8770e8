import { describe, expect, it } from "vitest";
import { idleMetricsSnapshot } from "../control/testing/in-process-runtime.ts";
import {
  HISTORY_FINE_MAX,
  HISTORY_POINTS_MAX,
  HISTORY_SHARES_MAX,
  MetricsHistory,
} from "./metrics-history.ts";

const T0 = Date.UTC(2026, 0, 1);

function at(seconds: number) {
  const s = idleMetricsSnapshot([
    {
      type: "nfs",
      running: true,
      connections: 1,
      ops: [
        { op: "read", count: 3, errors: 0, latencyMsP50: 1, latencyMsP99: 4 },
        { op: "write", count: 1, errors: 1, latencyMsP50: 5, latencyMsP99: 9 },
      ],
    },
  ]);
  return { ...s, timestamp: new Date(T0 + seconds * 1000) };
}

describe("MetricsHistory", () => {
  it("keeps the last hour at 1 s and the day at 10 s, bounded, folding operations per adapter", () => {
    const h = new MetricsHistory();
    const total = HISTORY_FINE_MAX + 600;
    for (let s = 0; s < total; s++) h.add(at(s));
    const now = T0 + (total - 1) * 1000;
    const lastMinute = h.range(60, now);
    expect(lastMinute.map((s) => (s.timestamp.getTime() - T0) / 1000)).toEqual(
      Array.from({ length: 61 }, (_, i) => total - 61 + i),
    );
    expect(lastMinute[0]!.adapters[0]!.ops).toEqual([
      { op: "all", count: 4, errors: 1, latencyMsP50: 2, latencyMsP99: 9 },
    ]);
    // The fine ring holds only the last hour; the day comes from the coarse one, every 10th sample.
    const day = h.range(86_400, now);
    expect((day[0]!.timestamp.getTime() - T0) / 1000).toBe(0);
    expect((day[1]!.timestamp.getTime() - day[0]!.timestamp.getTime()) / 1000).toBe(10);
    expect(day.length).toBe(Math.ceil(total / 10));
    const hour = h.range(3600, now);
    expect(hour.length).toBeLessThanOrEqual(HISTORY_POINTS_MAX + 1);
    expect(hour.at(-1)!.timestamp.getTime()).toBe(now);
  });

  it("keeps the busiest HISTORY_SHARES_MAX shares of each sample, by name", () => {
    const h = new MetricsHistory();
    const shares = Array.from({ length: HISTORY_SHARES_MAX + 4 }, (_, i) => ({
      share: `/s${String(i).padStart(2, "0")}`,
      readBytes: i * 10,
      writtenBytes: i,
      reads: 1,
      writes: 1,
    }));
    h.add({ ...at(0), shares });
    const [kept] = h.range(60, T0);
    // The four least busy (/s00../s03) are dropped; the rest stay in name order.
    expect(kept!.shares.map((t) => t.share)).toEqual(shares.slice(4).map((t) => t.share));
  });
});

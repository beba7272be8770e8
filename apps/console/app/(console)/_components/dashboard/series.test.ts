import { describe, expect, it } from "vitest";
import { busiestShares, type Snapshot } from "./series";

const MIB = 1024 * 1024;

/** A snapshot with only what the chart's share choice reads: each share's cumulative bytes. */
function snap(shares: Record<string, number>): Snapshot {
  return {
    shares: Object.entries(shares).map(([share, bytes]) => ({ share, readBytes: 0, writtenBytes: bytes })),
  } as unknown as Snapshot;
}

describe("busiestShares", () => {
  it("picks the shares busy in the range shown, not the busiest since start", () => {
    // /bulk moved 64 MiB before the range and nothing in it; /now moved 500 KB in it.
    const shown = [
      snap({ "/bulk": 64 * MIB, "/idle": 2 * MIB }),
      snap({ "/bulk": 64 * MIB, "/idle": 2 * MIB, "/now": 500_000 }),
    ];
    expect(busiestShares(shown, 1)).toEqual(["/now"]);
    expect(busiestShares(shown, 3)).toEqual(["/now", "/bulk", "/idle"]);
  });

  it("counts a share's bytes from its first sample in the range", () => {
    const shown = [snap({ "/a": 10 * MIB, "/b": 0 }), snap({ "/a": 11 * MIB, "/b": 3 * MIB })];
    expect(busiestShares(shown, 2)).toEqual(["/b", "/a"]);
  });

  it("has nothing to draw without samples", () => {
    expect(busiestShares([], 6)).toEqual([]);
  });
});

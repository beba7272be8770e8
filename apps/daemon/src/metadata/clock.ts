/**
 * Server time for timestamps: wall-clock nanoseconds, strictly increasing within the process, so
 * two changes in a row always give different mtime/ctime (NFS clients detect change by them).
 * It is the monotonic clock anchored to the wall clock with microsecond precision (Date.now()
 * alone truncates to the millisecond, which put stamps up to 1 ms behind a client's clock on the
 * same host; smbtorture smb2.timestamps.delayed-2write compares them), and anchored again whenever
 * the monotonic clock drifts outside the millisecond Date.now() names, so drift never adds up.
 */
import type { Timespec } from "./types.ts";

const NS_PER_SEC = 1_000_000_000n;
const NS_PER_MS = 1_000_000n;

/** How far past the millisecond Date.now() names a reading may be before the clock is anchored again. */
const DRIFT_SLACK_NS = 2n * NS_PER_MS;

export class Clock {
  private anchorWallNs = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
  private anchorHr = process.hrtime.bigint();
  private lastNs = 0n;

  now(): Timespec {
    const wall = BigInt(Date.now()) * NS_PER_MS;
    const hr = process.hrtime.bigint();
    let ns = this.anchorWallNs + (hr - this.anchorHr);
    // The true time is in [wall, wall + 1 ms): outside [wall, wall + slack] the clock drifted.
    if (ns < wall || ns > wall + DRIFT_SLACK_NS) {
      this.anchorWallNs = wall + NS_PER_MS / 2n;
      this.anchorHr = hr;
      ns = this.anchorWallNs;
    }
    if (ns <= this.lastNs) ns = this.lastNs + 1n;
    this.lastNs = ns;
    return { sec: Number(ns / NS_PER_SEC), nsec: Number(ns % NS_PER_SEC) };
  }
}

export function sameTime(a: Timespec, b: Timespec): boolean {
  return a.sec === b.sec && a.nsec === b.nsec;
}

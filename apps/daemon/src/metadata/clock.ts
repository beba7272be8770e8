/**
 * Server time for timestamps: wall-clock nanoseconds, strictly increasing within the process, so
 * two changes in a row always give different mtime/ctime (NFS clients detect change by them).
 */
import type { Timespec } from "./types.ts";

const NS_PER_SEC = 1_000_000_000n;

export class Clock {
  private readonly wallStartNs = BigInt(Date.now()) * 1_000_000n;
  private readonly hrStart = process.hrtime.bigint();
  private lastNs = 0n;

  now(): Timespec {
    let ns = this.wallStartNs + (process.hrtime.bigint() - this.hrStart);
    if (ns <= this.lastNs) ns = this.lastNs + 1n;
    this.lastNs = ns;
    return { sec: Number(ns / NS_PER_SEC), nsec: Number(ns % NS_PER_SEC) };
  }
}

export function sameTime(a: Timespec, b: Timespec): boolean {
  return a.sec === b.sec && a.nsec === b.nsec;
}

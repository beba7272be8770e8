"use client";
import { useRef } from "react";
import { formatBytes } from "./format";

/** READ/WRITE totals since start, as the daemon counts them per share and per client. */
export interface TrafficTotals {
  readBytes: number;
  writtenBytes: number;
  reads: number;
  writes: number;
}

export interface TrafficRate {
  readPerSecond: number;
  writePerSecond: number;
}

/** "64.0 MiB in 512 writes" */
export function totalText(bytes: number, calls: number, kind: "read" | "write"): string {
  return `${formatBytes(bytes)} in ${calls.toLocaleString()} ${kind}${calls === 1 ? "" : "s"}`;
}

export function rateText(bytesPerSecond: number): string {
  return `${formatBytes(Math.round(bytesPerSecond))}/s`;
}

/**
 * Bytes per second of each keyed total between the last two polls (`at`: when the newest was
 * taken). A key seen once has no rate yet; the rate holds until the next poll brings new totals.
 */
export function useRates(rows: ReadonlyArray<{ key: string; totals: TrafficTotals }>, at: number) {
  const seen = useRef(new Map<string, { at: number; totals: TrafficTotals; rate: TrafficRate | null }>());
  for (const { key, totals } of rows) {
    const prev = seen.current.get(key);
    if (prev?.at === at) continue;
    const seconds = prev === undefined ? 0 : (at - prev.at) / 1000;
    const rate =
      prev === undefined || seconds <= 0
        ? null
        : {
            readPerSecond: Math.max(0, totals.readBytes - prev.totals.readBytes) / seconds,
            writePerSecond: Math.max(0, totals.writtenBytes - prev.totals.writtenBytes) / seconds,
          };
    seen.current.set(key, { at, totals, rate });
  }
  return (key: string): TrafficRate | null => seen.current.get(key)?.rate ?? null;
}

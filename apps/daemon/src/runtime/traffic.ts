/**
 * Per-share and per-client data-path totals: the file service records every READ and WRITE here
 * (bytes and calls); the metrics snapshot carries the per-share totals (the console turns them into
 * rates), the connected-clients list the per-client ones, /metrics both per share.
 */
import type { TrafficCounts, TrafficSink } from "../domain/stats.ts";

/** Past this many shares with traffic, a new share is not counted (shares are admin-created). */
const TRAFFIC_SHARES_MAX = 4096;

export function noTraffic(): TrafficCounts {
  return { readBytes: 0, writtenBytes: 0, reads: 0, writes: 0 };
}

export function addTraffic(c: TrafficCounts, kind: "read" | "write", bytes: number): void {
  if (kind === "read") {
    c.reads++;
    c.readBytes += bytes;
  } else {
    c.writes++;
    c.writtenBytes += bytes;
  }
}

export type ShareTraffic = { share: string } & TrafficCounts;

export class TrafficMeter implements TrafficSink {
  readonly #shares = new Map<string, TrafficCounts>();

  constructor(private readonly clients: { count(id: string, kind: "read" | "write", bytes: number): void }) {}

  record(share: string, client: string | undefined, kind: "read" | "write", bytes: number): void {
    let counts = this.#shares.get(share);
    if (counts === undefined && this.#shares.size < TRAFFIC_SHARES_MAX) {
      counts = noTraffic();
      this.#shares.set(share, counts);
    }
    if (counts !== undefined) addTraffic(counts, kind, bytes);
    if (client !== undefined) this.clients.count(client, kind, bytes);
  }

  /** Totals of every share that had traffic since start, by name. */
  shares(): ShareTraffic[] {
    return [...this.#shares.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([share, counts]) => ({ share, ...counts }));
  }

  /** A deleted share's totals go (a share created later under the name starts from zero). */
  forget(share: string): void {
    this.#shares.delete(share);
  }
}

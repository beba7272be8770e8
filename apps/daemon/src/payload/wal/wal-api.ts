/** What the engine sees of a share's write-ahead log (wal.ts), and the one memory shares use. */
import type { WalStats } from "../../domain/stats.ts";
import type { RecordKind } from "./format.ts";

export interface Wal {
  /** Sequence of the last record appended (set synchronously by append). */
  readonly lastSeq: number;
  /** Records up to this sequence are durably gone: no replay will ever apply them. */
  readonly reclaimedSeq: number;
  /** Appends a record; resolves once it is written (in the page cache, not yet durable). */
  append(kind: RecordKind, idBytes: Buffer, offset: number, data: Buffer | null): Promise<void>;
  /**
   * append() of a record nothing waits for: written with the next batch, a sync(), or at most
   * LAZY_WRITE_MS later, so a run of them (a REMOVE per call) shares one writev.
   */
  appendLazy(kind: RecordKind, idBytes: Buffer): Promise<void>;
  /** Every record appended before this call is durable on return (group commit). */
  sync(): Promise<void>;
  /**
   * Every record appended before this call, lazy ones too, is written on return (in the page
   * cache: it survives a kill of the daemon, not a power loss). SMB CLOSE (docs/payload.md "CLOSE").
   */
  written(): Promise<void>;
  /** Deletes segments whose records all have sequence < minLiveSeq. */
  reclaim(minLiveSeq: number): Promise<void>;
  /** Whether reclaim(minLiveSeq) would delete or rotate a segment now (else it does nothing). */
  reclaimable(minLiveSeq: number): boolean;
  counters(): WalStats | null;
  close(): Promise<void>;
}

const RESOLVED = Promise.resolve();

/** For memory-only shares: nothing to make durable. */
export class NullWal implements Wal {
  readonly lastSeq = 0;
  readonly reclaimedSeq = Number.POSITIVE_INFINITY;
  append(): Promise<void> {
    return RESOLVED;
  }
  appendLazy(): Promise<void> {
    return RESOLVED;
  }
  sync(): Promise<void> {
    return RESOLVED;
  }
  written(): Promise<void> {
    return RESOLVED;
  }
  async reclaim(): Promise<void> {}
  reclaimable(): boolean {
    return false;
  }
  counters(): null {
    return null;
  }
  async close(): Promise<void> {}
}

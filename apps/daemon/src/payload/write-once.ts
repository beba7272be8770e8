/**
 * Write-once for local block stores (docs/payload.md "Write-once"): on an fs store a WRITE of a
 * payload that no replayable WAL record names goes only into the cache, with no WAL record, and a
 * COMMIT makes it durable where it lives: it puts the payload's unjournaled blocks (fdatasync
 * before the rename, as every put) and flushes the store's directories. Each byte then reaches the
 * local disk once. Remote stores (S3) keep the WAL as the durable copy: a put there is a network
 * round trip per block.
 *
 * Why "no replayable record": replay applies the records of a payload over what the store holds.
 * A TRUNCATE or DELETE replayed after a later unjournaled put would cut it, and an older WRITE
 * would land over newer bytes. So once a record names the payload, its writes are journaled until
 * the WAL has durably dropped that record (Wal.reclaimedSeq); the switch from unjournaled to
 * journaled is always safe (records apply after what the store holds).
 */

import { heldUntil } from "../domain/buffer-pool.ts";
import type { BlockEntry } from "./cache/block-entry.ts";
import type { PayloadEngine, WriteOncePolicy } from "./engine.ts";
import type { PayloadState } from "./payload-state.ts";
import { sealForClose } from "./transfer/seal.ts";
import { storeNow } from "./transfer/uploads.ts";
import { BLOCK_SIZE_BYTES } from "./types.ts";
import { RecordKind } from "./wal/format.ts";

/** The `seq` of a write applied without a WAL record: it holds no WAL segment. */
export const UNJOURNALED = Number.POSITIVE_INFINITY;
/**
 * A COMMIT of at most this many unjournaled bytes journals them instead of putting their blocks:
 * one WAL record each under the group-commit fdatasync, shared by concurrent commits, is cheaper
 * than a put (temp file, fdatasync, rename, directory fsync) per small file.
 */
const COMMIT_JOURNAL_BYTES_MAX = 256 * 1024;

export class WriteOnce implements WriteOncePolicy {
  /** Last WAL sequence naming each payload, while replay may still apply it. */
  private readonly journaled = new Map<string, number>();

  constructor(
    private readonly engine: PayloadEngine,
    private readonly enabled: boolean,
  ) {}

  /**
   * Whether a write of [offset, offset + length) of `p` may skip the WAL now: no replayable record
   * names `p`, and every block it touches is known to be empty in the store (a new file's, or
   * a hole's). A block the store already holds is journaled instead: a COMMIT would rewrite it
   * whole for a few bytes (an appender committing after each write).
   */
  applies(p: PayloadState, offset: number, length: number): boolean {
    const e = this.engine;
    if (!this.enabled || e.sharedMode !== null || e.store.type !== "fs") return false;
    const last = Math.floor((offset + length - 1) / BLOCK_SIZE_BYTES);
    for (let i = Math.floor(offset / BLOCK_SIZE_BYTES); i <= last; i++) {
      const b = p.blocks.get(i);
      // A block with no base loaded (never, or evicted under pressure) is empty when known so.
      if (b === undefined || !b.hasBase ? !p.knownEmpty(i) : b.baseLength > 0) return false;
    }
    const seq = this.journaled.get(p.id);
    if (seq === undefined) return true;
    if (seq > e.wal.reclaimedSeq) return false;
    this.journaled.delete(p.id);
    return true;
  }

  /** A record naming `p` was appended (or replayed) with sequence `seq`. */
  noteRecord(p: PayloadState, seq: number): void {
    this.journaled.set(p.id, seq);
  }

  /** After a WAL reclaim: forgets payloads whose records are all gone (deleted ones never return). */
  prune(): void {
    const gone = this.engine.wal.reclaimedSeq;
    for (const [id, seq] of this.journaled) if (seq <= gone) this.journaled.delete(id);
  }

  /** Whether a COMMIT of `p` has to put blocks (some of its writes have no WAL record). */
  pending(p: PayloadState): boolean {
    for (const e of p.blocks.values()) if (e.holdsUnjournaled) return true;
    return false;
  }

  /**
   * When `p`'s unjournaled writes are few (COMMIT_JOURNAL_BYTES_MAX), appends them to the WAL as
   * they read now and resolves when they are written (the caller's WAL sync then makes them
   * durable); else null. The payload is journaled from then on, like after any record naming it.
   */
  journalSmall(p: PayloadState): Promise<void> | null {
    const runs: { e: BlockEntry; a: number; b: number }[] = [];
    let bytes = 0;
    for (const e of p.blocks.values()) {
      if (!e.holdsUnjournaled) continue;
      for (const [a, b] of e.writtenRuns()) {
        runs.push({ e, a, b });
        bytes += b - a;
      }
      if (bytes > COMMIT_JOURNAL_BYTES_MAX) return null;
    }
    const wal = this.engine.wal;
    const written: Promise<void>[] = [];
    for (const { e, a, b } of runs) {
      // Slices are never changed in place: the record may hold views of them until it is written.
      const data = e.read(a, b);
      const at = e.index * BLOCK_SIZE_BYTES + a;
      written.push(heldUntil(data, wal.append(RecordKind.WRITE, p.idBytes, at, data)));
      this.noteRecord(p, wal.lastSeq);
      e.journaled(wal.lastSeq);
    }
    return Promise.all(written).then(() => {});
  }

  /**
   * SMB CLOSE (docs/payload.md "CLOSE"): `p`'s unjournaled writes made to survive a kill of the
   * daemon, not a power loss, without an fdatasync: a few bytes appended to the WAL (written, not
   * synced), else every block holding them sealed in a staged file a restart adopts. Resolves
   * false when a block cannot be sealed: the caller commits instead.
   */
  async keepOnClose(p: PayloadState): Promise<boolean> {
    const small = this.journalSmall(p);
    if (small === null) return sealForClose(this.engine, p);
    await small;
    return true;
  }

  /**
   * Puts every block of `p` holding unjournaled writes and waits until all are stored and the
   * store has flushed their directories; fails after COMMIT_PUT_FAILURES_MAX failed puts in a row
   * (the writes stay in the cache, unjournaled, for a later COMMIT).
   */
  async store(p: PayloadState, checkOpen: () => void): Promise<void> {
    await storeNow(this.engine, p, (e) => e.holdsUnjournaled, { gc: false, checkOpen });
    await this.engine.store.flush?.();
  }
}

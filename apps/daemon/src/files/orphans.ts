/**
 * Removing a file (docs/architecture.md "Removing a file"): when its last link and last open
 * reference go, the metadata service leaves an orphan (nlink 0, its payload id kept). Here the
 * payload is deleted and made durable first, and only then the inode record goes, so a crash
 * between the two leaves an orphan that still names the payload, never blocks nothing names.
 * The start-up sweep finishes what such a crash left (sweepOrphans).
 */
import type { Logger } from "pino";
import type { MetadataService, Orphan } from "../metadata/types.ts";
import type { PayloadService } from "../payload/types.ts";

/** Orphans being reaped before a remove waits for one to settle (a mass removal stays bounded). */
export const REAP_PENDING_MAX = 1024;

type Deps = {
  metadata: Pick<MetadataService, "reap" | "orphans">;
  payload: Pick<PayloadService, "delete" | "commit">;
};

/**
 * Deletes the orphan's payload — the engine drops its cached blocks at once and logs a WAL record
 * that block GC runs from; commit makes that durable (shared mode: waits for the block map) —
 * then its inode record.
 */
async function reapOne(d: Deps, share: string, orphan: Orphan): Promise<void> {
  await d.payload.delete(share, orphan.payloadId);
  await d.payload.commit(share, orphan.payloadId);
  await d.metadata.reap(orphan.handle);
}

export class Orphans {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly d: Deps,
    private readonly logger?: Pick<Logger, "warn">,
  ) {}

  /**
   * Starts reaping `orphan` without holding up the reply: the name is gone and the orphan is not
   * visible by handle any more (metadata/core.ts load). Past REAP_PENDING_MAX unsettled ones the
   * caller waits for one to settle. A failure leaves the orphan for the next start's sweep.
   */
  async reap(share: string, orphan: Orphan | null): Promise<void> {
    if (orphan === null) return;
    while (this.pending.size >= REAP_PENDING_MAX) await Promise.race(this.pending);
    const job = reapOne(this.d, share, orphan)
      .catch((err: unknown) =>
        this.logger?.warn({ err, share, payloadId: orphan.payloadId }, "orphan not reaped"),
      )
      .finally(() => this.pending.delete(job));
    this.pending.add(job);
  }

  /** Resolves once every reap started so far has settled. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all(this.pending);
  }
}

/**
 * At start, after the share is registered with both services: reaps the orphans a crash (or a
 * stop with files open) left, payload first. Returns how many there were.
 */
export async function sweepOrphans(d: Deps, share: string): Promise<number> {
  const orphans = await d.metadata.orphans(share);
  for (const orphan of orphans) await reapOne(d, share, orphan);
  return orphans.length;
}

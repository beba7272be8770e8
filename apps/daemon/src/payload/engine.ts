/**
 * What the helpers of a share's payload engine see of it (docs/architecture.md "Payload"): the
 * write and read paths, uploads, downloads, block GC, WAL replay and retention, and shared mode
 * take a PayloadEngine, never the SharePayload class that implements it, so the engine's parts
 * import only types from here and no import cycle runs through share-payload.ts.
 */
import type pino from "pino";
import type { BlockEntry, BlockOwner } from "./cache/block-entry.ts";
import type { BlockCache } from "./cache/cache.ts";
import type { PayloadState } from "./payload-state.ts";
import type { StageBacklog } from "./transfer/stage-backlog.ts";
import type { TransferManager } from "./transfer/transfer-manager.ts";
import type { BlockStore } from "./types.ts";
import type { Wal } from "./wal/wal-api.ts";

/** The versioned-block operations of shared mode (shared/shared-mode.ts) the transfers use. */
export interface SharedBlocks {
  /** Uploads a new version of a block and commits it to the block map. */
  put(p: PayloadState, index: number, data: Buffer): Promise<void>;
  /** The version of a block the map names (no entry: an empty block, version null). */
  fetch(payloadId: string, index: number): Promise<{ data: Buffer; version: string | null }>;
  /** Remembers which version a downloaded base is. */
  noteFetched(p: PayloadState | undefined, index: number, version: string | null): void;
  /** Truncate/delete: forgets blocks at or past `from` in the map. */
  truncate(p: PayloadState, from: number): Promise<void>;
}

/** What the write path, replay and WAL retention see of write-once (write-once.ts). */
export interface WriteOncePolicy {
  /** Whether a write of [offset, offset + length) of `p` may skip the WAL now. */
  applies(p: PayloadState, offset: number, length: number): boolean;
  /** A record naming `p` was appended (or replayed) with sequence `seq`. */
  noteRecord(p: PayloadState, seq: number): void;
  /** After a WAL reclaim: forgets payloads whose records are all gone. */
  prune(): void;
}

export interface PayloadEngine extends BlockOwner {
  /** Replaced only by a migration (service.ts replaceBlockStore): read it at each call. */
  readonly store: BlockStore;
  readonly cache: BlockCache;
  readonly transfer: TransferManager;
  readonly logger: pino.Logger;
  readonly wal: Wal;
  /** Which payloads' writes skip the WAL on a local store (write-once.ts). */
  readonly writeOnce: WriteOncePolicy;
  /** Shared (scale-out) mode, or null. */
  readonly sharedMode: SharedBlocks | null;
  readonly closed: boolean;
  /** The payloads with cached blocks, pins or GC in progress. */
  readonly payloads: Map<string, PayloadState>;
  /** Entries with dirty or uploading data (WAL retention, idle and pressure uploads). */
  readonly dirty: Set<BlockEntry>;
  /** The state of a payload, made on first use (the id is checked then). */
  payload(payloadId: string): PayloadState;
  /** The cache entry of a block, made on first use. */
  entry(p: PayloadState, index: number): BlockEntry;
  /** Loads the block-store copy of an entry (transfer/downloads.ts). */
  loadBase(e: BlockEntry, prefetch?: boolean): Promise<void>;
  /** Bytes of staged blocks not yet in their staging files (transfer/write-behind.ts). */
  readonly stageBacklog: StageBacklog;
  /** Background work that close() waits for. */
  track(job: Promise<void>): void;
  /** Reclaims WAL records behind a block-store flush, debounced (wal/retention.ts). */
  reclaimSoon(): void;
  /** Forgets the payload's state once nothing holds it. */
  forgetPayloadIfIdle(p: PayloadState): void;
}

/**
 * The payload (file content) contract: PayloadService is what protocol adapters call for
 * READ/WRITE/COMMIT; BlockStore is the CRUD interface below it (memory, fs, s3).
 * Key layout in a block store: `<payloadId>/chunk-<c>/block-<b>` (docs/architecture.md "Content").
 */
import { BLOCK_SIZE_BYTES } from "../domain/limits.ts";
import type { PayloadStats } from "../domain/stats.ts";

export const CHUNK_SIZE_BYTES = 64 * 1024 * 1024;
export { BLOCK_SIZE_BYTES };

/** How durable a write must be before it returns (RFC 1813 stable_how). */
export type Stability = "unstable" | "data_sync" | "file_sync";

/**
 * Content of files, by share and payload id. Reads of holes return zeros; callers clip reads
 * to the file size (from MetadataService). All methods throw `FsError`.
 */
export interface PayloadService {
  readAt(share: string, payloadId: string, offset: number, length: number): Promise<Buffer>;
  /**
   * The same bytes as views of the cached blocks, in order, not copied together (a reply sends
   * them by reference). The caller must not modify them.
   */
  readParts(share: string, payloadId: string, offset: number, length: number): Promise<Buffer[]>;
  /**
   * readParts without a promise when a single-block range is cached (the READ hot path,
   * files/data.ts): the parts themselves, failures thrown; else the same promise. `hold`: the
   * caller holds every part (buffer-pool.ts) and must `releaseAll` them when nothing reads them.
   */
  readPartsNow(
    share: string,
    payloadId: string,
    offset: number,
    length: number,
    hold?: boolean,
  ): Buffer[] | Promise<Buffer[]>;
  /**
   * Returns once the bytes are in the WAL and cache (and durable, for data_sync/file_sync). The
   * caller hands `data` over: the cache may keep it as it is (no copy), so it must not be
   * modified after the call (a received frame is dropped, never reused).
   */
  writeAt(
    share: string,
    payloadId: string,
    offset: number,
    data: Buffer,
    stability?: Stability,
  ): Promise<void>;
  /** NFS COMMIT / SMB FLUSH: every acknowledged write of this payload is durable on return. */
  commit(share: string, payloadId: string): Promise<void>;
  /**
   * (added) SMB CLOSE, NFSv4 CLOSE: every acknowledged write of this payload survives a kill of
   * the daemon on return, not yet a power loss (docs/payload.md "CLOSE"); shared mode commits.
   */
  closeFile(share: string, payloadId: string): Promise<void>;
  /** Makes every share's outstanding writes durable (graceful stop). */
  flushAll(): Promise<void>;
  truncate(share: string, payloadId: string, size: number): Promise<void>;
  /**
   * (added) A file was just created with this payload id (ids are never reused): the block store
   * holds none of its blocks, so they need no download before a read or an upload.
   */
  created?(share: string, payloadId: string): void;
  /** Drops cached data, WAL interest and (asynchronously, retried) the blocks. */
  delete(share: string, payloadId: string): Promise<void>;
  /** Bytes the cache may still take before it evicts (receive buffers keep that much free memory). */
  cacheRoomBytes(): number;
  stats(share?: string): PayloadStats;
  /**
   * Scale-out (added): drops clean cached blocks of a payload so the next read fetches them from
   * the block store again; dirty data is kept.
   */
  invalidate?(share: string, payloadId: string): void;
  /**
   * Scale-out (added): in shared mode, drops cached blocks of a payload whose committed version
   * changed (another daemon wrote it). "lookup" always asks the metadata store; "getattr" and
   * "read" trust a check younger than the attribute cache bound. A no-op for other shares.
   */
  validate?(share: string, payloadId: string, reason: "lookup" | "getattr" | "read"): Promise<void>;
  /**
   * Scale-out (added): whether validate() does anything for this share, so callers can skip the
   * inode load it needs on every other share's GETATTR/LOOKUP/READ.
   */
  validates?(share: string): boolean;
}

export interface BlockStoreHealth {
  ok: boolean;
  latencyMs: number;
  detail?: string;
}

/**
 * (added) Options of a put or delete. `deferSync`: the caller keeps what it needs to redo the call
 * (the WAL) until a later flush() returns, so the store may make it durable only then: after a
 * crash before that flush the key may still hold its previous content (or none), never a torn
 * block. Readers see a put whole or not at all either way.
 */
export interface BlockWriteOptions {
  deferSync?: boolean;
}

/**
 * (added) A block being written under a name no reader sees, not yet durable (BlockStore.stage,
 * docs/payload.md "Write-behind"). Calls take effect in call order.
 */
export interface StagedPut {
  /** Writes the concatenation of `parts` at byte `offset` of the block (positional, not synced). */
  write(offset: number, parts: readonly Buffer[]): Promise<void>;
  /** Makes the staged bytes the key's content as put() would (fdatasync, then rename). */
  publish(opts?: BlockWriteOptions): Promise<void>;
  /** Removes the staged bytes; the key is untouched. Never throws. */
  discard(): Promise<void>;
  /**
   * (added) Names the staged file after what it holds: `length` bytes whose CRC32C is `crc`, of its
   * key, so a restart after a kill adopts it as the key's content when it verifies (SMB CLOSE,
   * docs/payload.md "CLOSE"). Not durable: the file is in the page cache. Calls take effect in call
   * order with publish() and discard().
   */
  seal?(crc: number, length: number): Promise<void>;
}

/** CRUD on immutable-by-key blocks. Throws FsError (ENOENT for a missing key, EIO otherwise). */
export interface BlockStore {
  readonly type: string;
  /**
   * (added) True when the store holds no uncounted reference to the buffers of a put, putv or stage
   * once the call settled: it wrote them out (fs), or it counts the ones it keeps with `retain` and
   * lets go with `release` (memory). The engine may then reuse their memory for received frames
   * (domain/buffer-pool.ts). Absent: the store may keep them, and they are never reused.
   */
  readonly releasesBuffers?: boolean;
  /** Durable on return unless opts.deferSync (then durable once a later flush() returns). */
  put(key: string, data: Buffer, opts?: BlockWriteOptions): Promise<void>;
  /**
   * (added) put() of the concatenation of `parts`, written as they are (a vectored write, no
   * copy). Optional: the engine composes one buffer for stores without it. The parts are not
   * modified by either side.
   */
  putv?(key: string, parts: readonly Buffer[], opts?: BlockWriteOptions): Promise<void>;
  /**
   * (added) A block of `key` to write piece by piece where no get() or list() sees it, without
   * making it durable: its publish() later is the put (write-behind). Optional: only the fs store has it.
   */
  stage?(key: string): StagedPut;
  /** The whole block, or `length` bytes from `offset` (short at the end of the object). */
  get(key: string, offset?: number, length?: number): Promise<Buffer>;
  delete(key: string, opts?: BlockWriteOptions): Promise<void>;
  /**
   * (added) Makes every deferSync put/delete that returned before this call durable. Stores
   * whose writes are always durable on return leave it out.
   */
  flush?(): Promise<void>;
  /** Keys under a prefix, in lexical order. */
  list(prefix: string): AsyncIterable<string>;
  health(): Promise<BlockStoreHealth>;
  close(): Promise<void>;
}

/**
 * What a cache entry holds of its write-behind stage (transfer/write-behind.ts BlockStage,
 * docs/payload.md "Write-behind"): declared apart so the cache imports nothing from the transfers
 * and block-entry.ts stays the block's data logic.
 */
import type { BlockStore, StagedPut } from "../types.ts";
import type { Slice } from "./slices.ts";

export interface EntryStage {
  readonly file: StagedPut;
  /** The store the file is in (a migration may replace the engine's store meanwhile). */
  readonly store: BlockStore;
  /**
   * The parts of the staging write in flight: buffers in use by staging, which the kernel is still
   * copying from. A slice buffer in here must not be recycled until it has left.
   */
  readonly writing: readonly Buffer[];
  /** `n` bytes were written into the block's slices (`complete`: the block is covered whole). */
  wrote(n: number, complete: boolean): void;
  /** SMB CLOSE: writes the rest of the slices and seals the file when it holds them (false: it could not). */
  seal(): Promise<boolean>;
  /** Whether the file holds exactly `slices`, whole. */
  holds(slices: readonly Slice[]): boolean;
  /** The upload froze `frozen`: the file takes no later slices. */
  detach(frozen: readonly Slice[]): void;
  /** Writes the rest of `frozen`; whether the file then holds exactly them. */
  finish(frozen: readonly Slice[]): Promise<boolean>;
  /** Removes the file unless published. Never throws. */
  end(): Promise<void>;
}

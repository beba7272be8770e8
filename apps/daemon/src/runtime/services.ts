/**
 * What the Runtime needs beyond the adapter-facing service contracts: registering shares with
 * their stores, and the openers that turn a stored config into a live store. Injected by the
 * composition root (daemon.ts), so the Runtime never imports a concrete backend.
 */

import type { ShareInfo } from "../domain/share.ts";
import type { MetadataStore, StoreUsage } from "../metadata/metadata-store.ts";
import type { PayloadFile } from "../metadata/ops/payloads.ts";
import type { MetadataService } from "../metadata/types.ts";
import type { SharedContentStore } from "../payload/shared/block-map.ts";
import type { BlockStore, PayloadService } from "../payload/types.ts";

export interface ManagedMetadataService extends MetadataService {
  addShare(
    share: ShareInfo,
    store: MetadataStore,
    root?: { mode?: number; uid?: number; gid?: number },
  ): Promise<void>;
  updateShare(share: ShareInfo): void;
  removeShare(name: string): Promise<void>;
  /**
   * Inodes (the root included) and bytes of a registered share's tree, briefly cached unless
   * `fresh`. ENOENT if not registered.
   */
  usage(name: string, opts?: { fresh?: boolean }): Promise<StoreUsage>;
  /** Payload ids and sizes of a registered share's files (reachable and open-unlinked). */
  payloads(name: string): Promise<PayloadFile[]>;
}

export interface ManagedPayloadService extends PayloadService {
  /**
   * Registers a share's block store and replays its WAL records. `shared`: scale-out mode (COMMIT
   * waits for the file's blocks to be in the block store; docs/architecture.md "Scale-out").
   */
  addShare(
    name: string,
    blockStore: BlockStore,
    opts?: { shared?: boolean; content?: SharedContentStore },
  ): Promise<void>;
  removeShare(name: string): Promise<void>;
  /** Points a registered share at another block store; returns the replaced one (migrations). */
  replaceBlockStore(name: string, store: BlockStore): Promise<BlockStore>;
  close(): Promise<void>;
}

export type MetadataStoreOpener = (
  config: { type: string } & Record<string, unknown>,
  opts: { dataDir: string },
) => Promise<MetadataStore>;

export type BlockStoreOpener = (
  config: { type: string } & Record<string, unknown>,
  opts: { dataDir: string },
) => Promise<BlockStore>;

export interface RuntimeServices {
  metadata: ManagedMetadataService;
  payload: ManagedPayloadService;
  openMetadataStore: MetadataStoreOpener;
  openBlockStore: BlockStoreOpener;
}

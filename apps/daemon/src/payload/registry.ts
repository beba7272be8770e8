/**
 * Block store registry: builds a BlockStore from its persisted config by type. A new backend adds
 * one entry to OPENERS; nothing else switches on the type.
 */
import path from "node:path";
import type pino from "pino";
import { FsError } from "../domain/errors.ts";
import { FsBlockStore } from "./block-store/fs.ts";
import { MemoryBlockStore } from "./block-store/memory.ts";
import type { BlockStore } from "./types.ts";

export type BlockStoreType = "memory" | "fs" | "s3";

export interface BlockStoreConfig {
  type: BlockStoreType;
  /** fs: the store's directory (relative paths are under the data dir). */
  path?: string;
  bucket?: string;
  region?: string;
  endpoint?: string;
  prefix?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle?: boolean;
}

export interface OpenBlockStoreOptions {
  dataDir: string;
  /** fs: what its open adopted of a crash's sealed stages, or dropped past their bound (fs-adopt.ts). */
  logger?: pino.Logger;
}

type Opener = (config: BlockStoreConfig, opts: OpenBlockStoreOptions) => Promise<BlockStore>;

const OPENERS: Record<BlockStoreType, Opener> = {
  memory: async () => new MemoryBlockStore(),
  fs: async (config, opts) => {
    if (config.path === undefined || config.path === "")
      throw new FsError("EINVAL", "fs block store needs path");
    return new FsBlockStore(path.resolve(opts.dataDir, config.path), { logger: opts.logger }).open();
  },
  s3: async (config) => {
    if (config.bucket === undefined || config.bucket === "")
      throw new FsError("EINVAL", "s3 block store needs bucket");
    // The AWS SDK is loaded with the first S3 store (~30 MiB resident that fs-only daemons skip).
    const { S3BlockStore } = await import("./block-store/s3.ts");
    return new S3BlockStore({ ...config, bucket: config.bucket });
  },
};

export async function openBlockStore(
  config: BlockStoreConfig,
  opts: OpenBlockStoreOptions,
): Promise<BlockStore> {
  const open = Object.hasOwn(OPENERS, config.type) ? OPENERS[config.type] : undefined;
  if (open === undefined) throw new FsError("EINVAL", `unknown block store type ${String(config.type)}`);
  return open(config, opts);
}

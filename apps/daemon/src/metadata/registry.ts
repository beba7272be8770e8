/** Opens a metadata store by type: a table of openers, one per backend. */
import { join } from "node:path";
import { FsError } from "../domain/errors.ts";
import type { MetadataStore } from "./metadata-store.ts";
import { MemoryMetadataStore } from "./stores/memory.ts";
import { SqliteMetadataStore } from "./stores/sqlite.ts";

export interface MetadataStoreConfig {
  type: "memory" | "sqlite" | "postgres";
  /** SQLite file; default `<dataDir>/metadata.sqlite`. */
  path?: string;
  /** PostgreSQL connection URL. */
  url?: string;
}

type Opener = (config: MetadataStoreConfig, opts: { dataDir: string }) => Promise<MetadataStore>;

const OPENERS: Record<MetadataStoreConfig["type"], Opener> = {
  memory: async () => new MemoryMetadataStore(),
  sqlite: async (config, opts) =>
    SqliteMetadataStore.open(config.path ?? join(opts.dataDir, "metadata.sqlite")),
  postgres: async (config) => {
    if (config.url === undefined || config.url === "")
      throw new FsError("EINVAL", "postgres store needs a url");
    // pg is loaded with the first PostgreSQL store, not by every daemon.
    const { PostgresMetadataStore } = await import("./stores/postgres.ts");
    return PostgresMetadataStore.open(config.url);
  },
};

export async function openMetadataStore(
  config: MetadataStoreConfig,
  opts: { dataDir: string },
): Promise<MetadataStore> {
  const open = Object.hasOwn(OPENERS, config.type) ? OPENERS[config.type] : undefined;
  if (open === undefined) throw new FsError("EINVAL", `unknown metadata store type ${String(config.type)}`);
  return open(config, opts);
}

/**
 * Which metadata stores can back shared (scale-out) mode: those that carry a block map and a
 * sweep catalog (today PostgreSQL, stores/postgres-blocks.ts). Duck-typed so the MetadataStore
 * contract stays as it is for every other backend.
 */
import type { SharedContentStore } from "../payload/shared/block-map.ts";
import type { MetadataStore } from "./metadata-store.ts";

export function sharedContentOf(store: MetadataStore): SharedContentStore | null {
  const content = (store as { sharedContent?: SharedContentStore }).sharedContent;
  return content ?? null;
}

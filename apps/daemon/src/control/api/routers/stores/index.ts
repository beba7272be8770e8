import { router } from "../../trpc.ts";
import { createBlockStore, createMetadataStore } from "./create.ts";
import { deleteStore } from "./delete.ts";
import { getStore } from "./get.ts";
import { storeHealth } from "./health.ts";
import { listStores } from "./list.ts";
import { testConnection } from "./test-connection.ts";
import { updateBlockStore, updateMetadataStore } from "./update.ts";

export const storesRouter = router({
  metadata: router({
    list: listStores("metadata"),
    get: getStore("metadata"),
    create: createMetadataStore,
    update: updateMetadataStore,
    delete: deleteStore("metadata"),
    health: storeHealth("metadata"),
  }),
  block: router({
    list: listStores("block"),
    get: getStore("block"),
    create: createBlockStore,
    update: updateBlockStore,
    delete: deleteStore("block"),
    health: storeHealth("block"),
    testConnection,
  }),
});

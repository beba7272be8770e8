import { blockStoreCreateInput, metadataStoreCreateInput } from "@dittofs/shared";
import { adminProcedure } from "../../trpc.ts";

/** Through the Runtime, which opens the store before keeping the record. */
export const createMetadataStore = adminProcedure
  .input(metadataStoreCreateInput)
  .mutation(({ ctx, input }) => ctx.runtime.createMetadataStore(input));

export const createBlockStore = adminProcedure
  .input(blockStoreCreateInput)
  .mutation(({ ctx, input }) => ctx.runtime.createBlockStore(input));

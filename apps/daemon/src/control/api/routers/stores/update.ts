import { blockStoreUpdateInput, metadataStoreUpdateInput } from "@dittofs/shared";
import { adminProcedure } from "../../trpc.ts";

export const updateMetadataStore = adminProcedure
  .input(metadataStoreUpdateInput)
  .mutation(({ ctx, input }) => ctx.runtime.updateMetadataStore(input));

export const updateBlockStore = adminProcedure
  .input(blockStoreUpdateInput)
  .mutation(({ ctx, input }) => ctx.runtime.updateBlockStore(input));

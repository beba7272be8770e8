import { blockStoreCreateInput, metadataStoreCreateInput } from "@dittofs/shared";
import { adminProcedure } from "../../trpc.ts";
import { redactStore } from "./secrets.ts";

/** Through the Runtime, which opens the store before keeping the record. The answer hides secrets. */
export const createMetadataStore = adminProcedure
  .input(metadataStoreCreateInput)
  .mutation(async ({ ctx, input }) => redactStore(await ctx.runtime.createMetadataStore(input)));

export const createBlockStore = adminProcedure
  .input(blockStoreCreateInput)
  .mutation(async ({ ctx, input }) => redactStore(await ctx.runtime.createBlockStore(input)));

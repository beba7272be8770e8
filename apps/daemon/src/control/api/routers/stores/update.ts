import { blockStoreUpdateInput, metadataStoreUpdateInput } from "@dittofs/shared";
import { adminProcedure } from "../../trpc.ts";
import { keepSecrets, redactStore } from "./secrets.ts";

/** A secret the input leaves out is kept (secrets.ts); the answer hides secrets. */
export const updateMetadataStore = adminProcedure
  .input(metadataStoreUpdateInput)
  .mutation(async ({ ctx, input }) => {
    const stored = await ctx.store.getStore("metadata", input.name);
    const config = keepSecrets(stored, input.type, input.config);
    return redactStore(await ctx.runtime.updateMetadataStore({ ...input, config }));
  });

export const updateBlockStore = adminProcedure
  .input(blockStoreUpdateInput)
  .mutation(async ({ ctx, input }) => {
    const stored = await ctx.store.getStore("block", input.name);
    const config = keepSecrets(stored, input.type, input.config);
    return redactStore(await ctx.runtime.updateBlockStore({ ...input, config }));
  });

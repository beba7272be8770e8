import { storeNameInput } from "@dittofs/shared";
import type { StoreKind } from "../../../store/types.ts";
import { adminProcedure } from "../../trpc.ts";

/** PRECONDITION_FAILED ("… is used by share /export") while a share uses the store. */
export const deleteStore = (kind: StoreKind) =>
  adminProcedure.input(storeNameInput).mutation(async ({ ctx, input }) => {
    if (kind === "metadata") await ctx.runtime.deleteMetadataStore(input.name);
    else await ctx.runtime.deleteBlockStore(input.name);
    return { ok: true as const };
  });

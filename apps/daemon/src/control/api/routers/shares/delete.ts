import { shareNameInput } from "@dittofs/shared";
import { adminProcedure } from "../../trpc.ts";

export const deleteShare = adminProcedure.input(shareNameInput).mutation(async ({ ctx, input }) => {
  await ctx.runtime.deleteShare(input.name);
  // The share's grants went with it.
  await ctx.runtime.identityChanged();
  return { ok: true as const };
});

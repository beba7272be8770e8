import { groupNameInput } from "@dittofs/shared";
import { adminProcedure } from "../../trpc.ts";

export const deleteGroup = adminProcedure.input(groupNameInput).mutation(async ({ ctx, input }) => {
  await ctx.store.deleteGroup(input.name);
  await ctx.runtime.identityChanged();
  return { ok: true as const };
});

import { groupUpdateInput } from "@dittofs/shared";
import { adminProcedure } from "../../trpc.ts";

export const update = adminProcedure.input(groupUpdateInput).mutation(async ({ ctx, input }) => {
  const group = await ctx.store.updateGroup(input.name, input.gid);
  await ctx.runtime.identityChanged();
  return group;
});

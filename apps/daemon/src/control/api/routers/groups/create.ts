import { groupCreateInput } from "@dittofs/shared";
import { adminProcedure } from "../../trpc.ts";

export const create = adminProcedure.input(groupCreateInput).mutation(async ({ ctx, input }) => {
  const group = await ctx.store.createGroup(input.name, input.gid);
  await ctx.runtime.identityChanged();
  return group;
});

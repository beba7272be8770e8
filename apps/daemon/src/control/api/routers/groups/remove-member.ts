import { groupMemberInput } from "@dittofs/shared";
import { adminProcedure } from "../../trpc.ts";

export const removeMember = adminProcedure.input(groupMemberInput).mutation(async ({ ctx, input }) => {
  const group = await ctx.store.removeMember(input.name, input.username);
  await ctx.runtime.identityChanged();
  return group;
});

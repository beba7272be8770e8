import { groupMemberInput } from "@dittofs/shared";
import { adminProcedure } from "../../trpc.ts";

export const addMember = adminProcedure.input(groupMemberInput).mutation(async ({ ctx, input }) => {
  const group = await ctx.store.addMember(input.name, input.username);
  await ctx.runtime.identityChanged();
  return group;
});

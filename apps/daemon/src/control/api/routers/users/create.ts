import { userCreateInput } from "@dittofs/shared";
import { adminProcedure } from "../../trpc.ts";

export const create = adminProcedure.input(userCreateInput).mutation(async ({ ctx, input }) => {
  const user = await ctx.store.createUser(input);
  await ctx.runtime.identityChanged();
  return user;
});

import { userUpdateInput } from "@dittofs/shared";
import { adminProcedure } from "../../trpc.ts";

/** Disabling a user or changing their role ends their sessions (ControlStore.updateUser). */
export const update = adminProcedure.input(userUpdateInput).mutation(async ({ ctx, input }) => {
  const { username, ...patch } = input;
  const user = await ctx.store.updateUser(username, patch);
  await ctx.runtime.identityChanged();
  return user;
});

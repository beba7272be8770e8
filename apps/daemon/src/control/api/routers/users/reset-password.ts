import { userResetPasswordInput } from "@dittofs/shared";
import { adminProcedure } from "../../trpc.ts";

/** An admin sets someone's password: their sessions end, and by default they must change it. */
export const resetPassword = adminProcedure.input(userResetPasswordInput).mutation(async ({ ctx, input }) => {
  await ctx.store.setPassword(input.username, input.password, {
    mustChangePassword: input.mustChangePassword ?? true,
    endSessions: true,
  });
  await ctx.runtime.identityChanged();
  return ctx.store.getUser(input.username);
});

import { changePasswordInput } from "@dittofs/shared";
import { TRPCError } from "@trpc/server";
import { invalid } from "../../../errors.ts";
import { LoginLimiter } from "../../login-limiter.ts";
import { sessionProcedure } from "../../trpc.ts";

/**
 * Changes the caller's own password (new scrypt and NT hash) and clears must-change-password.
 * A wrong current password counts as a failed login for throttling.
 */
export const changePassword = sessionProcedure.input(changePasswordInput).mutation(async ({ ctx, input }) => {
  const { username } = ctx.session.user;
  const key = LoginLimiter.key(username, ctx.ip);
  if (ctx.loginLimiter.retryAfterMs(key) > 0) {
    throw new TRPCError({ code: "TOO_MANY_REQUESTS", message: "too many failed attempts; retry later" });
  }
  if ((await ctx.store.authenticate(username, input.currentPassword)) === null) {
    ctx.loginLimiter.fail(key);
    throw invalid("currentPassword", "does not match");
  }
  if (input.newPassword === input.currentPassword)
    throw invalid("newPassword", "must differ from the current one");
  await ctx.store.setPassword(username, input.newPassword, { mustChangePassword: false });
  await ctx.runtime.identityChanged();
  return ctx.store.getUser(username);
});

import { changePasswordInput } from "@dittofs/shared";
import { TRPCError } from "@trpc/server";
import { invalid } from "../../../errors.ts";
import { sessionProcedure } from "../../trpc.ts";

/**
 * Changes the caller's own password (new scrypt and NT hash) and clears must-change-password.
 * A wrong current password counts as a failed logon for throttling. The caller's other sessions
 * end (a stolen session must not outlive the password change); the one used here stays.
 */
export const changePassword = sessionProcedure.input(changePasswordInput).mutation(async ({ ctx, input }) => {
  const { username } = ctx.session.user;
  const waitMs = ctx.logons.retryAfterMs(username, ctx.ip);
  if (waitMs > 0) {
    await ctx.logons.refused(username, ctx.ip, "auth.changePassword", waitMs);
    throw new TRPCError({ code: "TOO_MANY_REQUESTS", message: "too many failed attempts; retry later" });
  }
  if ((await ctx.store.authenticate(username, input.currentPassword)) === null) {
    await ctx.logons.failed(username, ctx.ip, "auth.changePassword", "wrong current password");
    throw invalid("currentPassword", "does not match");
  }
  if (input.newPassword === input.currentPassword)
    throw invalid("newPassword", "must differ from the current one");
  await ctx.store.setPassword(username, input.newPassword, {
    mustChangePassword: false,
    endSessionsExcept: ctx.session.token,
  });
  await ctx.runtime.identityChanged();
  return ctx.store.getUser(username);
});

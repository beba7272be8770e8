import { loginInput } from "@dittofs/shared";
import { TRPCError } from "@trpc/server";
import { publicProcedure } from "../../trpc.ts";
import { sessionTtlMs } from "./session-ttl.ts";

/**
 * Username + password → a session token (returned once; only its hash is stored). Throttled by the
 * daemon's logon throttle (shared with SMB), which also writes the aggregated audit rows of
 * failures; a disabled account cannot log in even with the right password.
 */
/** The audit action of login rows; failures are recorded (aggregated) by the throttle. */
export const LOGIN_ACTION = "auth.login";

export const login = publicProcedure.input(loginInput).mutation(async ({ ctx, input }) => {
  const waitMs = ctx.logons.retryAfterMs(input.username, ctx.ip);
  if (waitMs > 0) {
    await ctx.logons.refused(input.username, ctx.ip, LOGIN_ACTION, waitMs);
    throw new TRPCError({
      code: "TOO_MANY_REQUESTS",
      message: `too many failed logins; retry in ${Math.ceil(waitMs / 1000)} s`,
    });
  }
  const user = await ctx.store.authenticate(input.username, input.password);
  if (user === null) {
    await ctx.logons.failed(input.username, ctx.ip, LOGIN_ACTION, "wrong user name or password");
    throw new TRPCError({ code: "UNAUTHORIZED", message: "invalid username or password" });
  }
  ctx.logons.succeeded(input.username, ctx.ip);
  if (!user.enabled) {
    await ctx.logons.failed(input.username, ctx.ip, LOGIN_ACTION, "account disabled");
    throw new TRPCError({ code: "UNAUTHORIZED", message: "account disabled" });
  }
  const { token, expiresAt } = await ctx.store.createSession(user.username, await sessionTtlMs(ctx.store));
  return { token, expiresAt, user, mustChangePassword: user.mustChangePassword };
});

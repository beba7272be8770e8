import { loginInput } from "@dittofs/shared";
import { TRPCError } from "@trpc/server";
import { LoginLimiter } from "../../login-limiter.ts";
import { publicProcedure } from "../../trpc.ts";
import { sessionTtlMs } from "./session-ttl.ts";

/**
 * Username + password → a session token (returned once; only its hash is stored). Throttled per
 * (username, address); a disabled account cannot log in even with the right password.
 */
export const login = publicProcedure.input(loginInput).mutation(async ({ ctx, input }) => {
  const key = LoginLimiter.key(input.username, ctx.ip);
  const waitMs = ctx.loginLimiter.retryAfterMs(key);
  if (waitMs > 0) {
    throw new TRPCError({
      code: "TOO_MANY_REQUESTS",
      message: `too many failed logins; retry in ${Math.ceil(waitMs / 1000)} s`,
    });
  }
  const user = await ctx.store.authenticate(input.username, input.password);
  if (user === null) {
    ctx.loginLimiter.fail(key);
    throw new TRPCError({ code: "UNAUTHORIZED", message: "invalid username or password" });
  }
  if (!user.enabled) throw new TRPCError({ code: "UNAUTHORIZED", message: "account disabled" });
  ctx.loginLimiter.succeed(key);
  const { token, expiresAt } = await ctx.store.createSession(user.username, await sessionTtlMs(ctx.store));
  return { token, expiresAt, user, mustChangePassword: user.mustChangePassword };
});

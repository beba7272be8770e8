import { sessionProcedure } from "../../trpc.ts";

/** Ends the session the request was made with. */
export const logout = sessionProcedure.mutation(async ({ ctx }) => {
  await ctx.store.deleteSession(ctx.session.token);
  return { ok: true as const };
});

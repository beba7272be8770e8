import { usernameInput } from "@dittofs/shared";
import { invalid } from "../../../errors.ts";
import { adminProcedure } from "../../trpc.ts";

/** Memberships, grants and sessions go with the user; the last enabled admin cannot be deleted. */
export const deleteUser = adminProcedure.input(usernameInput).mutation(async ({ ctx, input }) => {
  if (input.username === ctx.session.user.username) throw invalid("username", "you cannot delete yourself");
  await ctx.store.deleteUser(input.username);
  await ctx.runtime.identityChanged();
  return { ok: true as const };
});

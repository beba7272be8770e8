import { sharePermissionSetInput } from "@dittofs/shared";
import { adminProcedure } from "../../trpc.ts";

/** Grants a level to one user or one group (replacing their previous grant on the share). */
export const permissionsSet = adminProcedure
  .input(sharePermissionSetInput)
  .mutation(async ({ ctx, input }) => {
    await ctx.store.setPermission(input.name, { user: input.user, group: input.group }, input.level);
    await ctx.runtime.identityChanged();
    return ctx.store.listPermissions(input.name);
  });

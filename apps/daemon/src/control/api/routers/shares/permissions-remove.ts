import { sharePermissionRemoveInput } from "@dittofs/shared";
import { adminProcedure } from "../../trpc.ts";

export const permissionsRemove = adminProcedure
  .input(sharePermissionRemoveInput)
  .mutation(async ({ ctx, input }) => {
    await ctx.store.removePermission(input.name, { user: input.user, group: input.group });
    await ctx.runtime.identityChanged();
    return ctx.store.listPermissions(input.name);
  });

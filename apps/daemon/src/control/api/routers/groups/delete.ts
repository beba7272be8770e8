import { groupNameInput } from "@dittofs/shared";
import { DEFAULT_GROUPS } from "../../../bootstrap.ts";
import { inUse } from "../../../errors.ts";
import { adminProcedure } from "../../trpc.ts";

/** The groups first start creates; deleting one would leave nowhere to put admins and operators. */
export const BUILT_IN_GROUPS: ReadonlySet<string> = new Set(DEFAULT_GROUPS);

export const deleteGroup = adminProcedure.input(groupNameInput).mutation(async ({ ctx, input }) => {
  if (BUILT_IN_GROUPS.has(input.name))
    throw inUse(`group ${input.name} is built in (created at first start) and cannot be deleted`);
  await ctx.store.deleteGroup(input.name);
  await ctx.runtime.identityChanged();
  return { ok: true as const };
});

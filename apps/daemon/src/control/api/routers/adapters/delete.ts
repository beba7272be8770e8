import { adapterTypeInput } from "@dittofs/shared";
import { adminProcedure } from "../../trpc.ts";

export const deleteAdapter = adminProcedure.input(adapterTypeInput).mutation(async ({ ctx, input }) => {
  await ctx.runtime.deleteAdapter(input.type);
  return { ok: true as const };
});

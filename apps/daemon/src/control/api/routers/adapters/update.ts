import { adapterUpdateInput } from "@dittofs/shared";
import { adminProcedure } from "../../trpc.ts";
import { withStatus } from "./with-status.ts";

/** A running adapter whose port or settings change restarts with them. */
export const update = adminProcedure
  .input(adapterUpdateInput)
  .mutation(async ({ ctx, input }) => withStatus(ctx.runtime, await ctx.runtime.updateAdapter(input)));

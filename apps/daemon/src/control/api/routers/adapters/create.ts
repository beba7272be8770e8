import { adapterCreateInput } from "@dittofs/shared";
import { adminProcedure } from "../../trpc.ts";
import { withStatus } from "./with-status.ts";

/** Stored and, when enabled (the default), started at once. */
export const create = adminProcedure
  .input(adapterCreateInput)
  .mutation(async ({ ctx, input }) => withStatus(ctx.runtime, await ctx.runtime.createAdapter(input)));

import { adapterTypeInput } from "@dittofs/shared";
import { readProcedure } from "../../trpc.ts";
import { withStatus } from "./with-status.ts";

export const get = readProcedure
  .input(adapterTypeInput)
  .query(async ({ ctx, input }) => withStatus(ctx.runtime, await ctx.store.getAdapter(input.type)));

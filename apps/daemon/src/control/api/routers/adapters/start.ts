import { adapterTypeInput } from "@dittofs/shared";
import { operateProcedure } from "../../trpc.ts";

/** Starts now and stays enabled across restarts. Operators may do this. */
export const start = operateProcedure
  .input(adapterTypeInput)
  .mutation(({ ctx, input }) => ctx.runtime.startAdapter(input.type));

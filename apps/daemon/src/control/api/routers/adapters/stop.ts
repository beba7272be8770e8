import { adapterTypeInput } from "@dittofs/shared";
import { operateProcedure } from "../../trpc.ts";

/** Stops now (in-flight requests finish) and stays disabled across restarts. Operators may do this. */
export const stop = operateProcedure
  .input(adapterTypeInput)
  .mutation(({ ctx, input }) => ctx.runtime.stopAdapter(input.type));

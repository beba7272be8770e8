import { adapterTypeInput } from "@dittofs/shared";
import { readProcedure } from "../../trpc.ts";

export const status = readProcedure
  .input(adapterTypeInput)
  .query(({ ctx, input }) => ctx.runtime.adapterStatus(input.type));

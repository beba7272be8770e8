import { shareUpdateInput } from "@dittofs/shared";
import { adminProcedure } from "../../trpc.ts";

export const update = adminProcedure
  .input(shareUpdateInput)
  .mutation(({ ctx, input }) => ctx.runtime.updateShare(input));

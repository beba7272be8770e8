import { shareCreateInput } from "@dittofs/shared";
import { adminProcedure } from "../../trpc.ts";

/** Through the Runtime: the share is exported at once and stored for the next start. */
export const create = adminProcedure
  .input(shareCreateInput)
  .mutation(({ ctx, input }) => ctx.runtime.createShare(input));

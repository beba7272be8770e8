import { shareNameInput } from "@dittofs/shared";
import { readProcedure } from "../../trpc.ts";

export const get = readProcedure
  .input(shareNameInput)
  .query(({ ctx, input }) => ctx.store.getShare(input.name));

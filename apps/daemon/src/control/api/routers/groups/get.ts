import { groupNameInput } from "@dittofs/shared";
import { readProcedure } from "../../trpc.ts";

export const get = readProcedure
  .input(groupNameInput)
  .query(({ ctx, input }) => ctx.store.getGroup(input.name));

import { userListInput } from "@dittofs/shared";
import { readProcedure } from "../../trpc.ts";

export const list = readProcedure
  .input(userListInput)
  .query(({ ctx, input }) => ctx.store.listUsers(input?.search));

import { usernameInput } from "@dittofs/shared";
import { readProcedure } from "../../trpc.ts";

export const get = readProcedure
  .input(usernameInput)
  .query(({ ctx, input }) => ctx.store.getUser(input.username));

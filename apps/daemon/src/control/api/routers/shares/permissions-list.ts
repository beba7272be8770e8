import { shareNameInput } from "@dittofs/shared";
import { readProcedure } from "../../trpc.ts";

export const permissionsList = readProcedure
  .input(shareNameInput)
  .query(({ ctx, input }) => ctx.store.listPermissions(input.name));

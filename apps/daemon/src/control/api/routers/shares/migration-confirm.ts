import { shareNameInput } from "@dittofs/shared";
import { adminProcedure } from "../../trpc.ts";

/** After a switch: removes the old copy of the share's blocks from the store it left. */
export const migrationConfirm = adminProcedure
  .input(shareNameInput)
  .mutation(({ ctx, input }) => ctx.runtime.confirmMigration(input.name));

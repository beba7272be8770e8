import { shareNameInput } from "@dittofs/shared";
import { adminProcedure } from "../../trpc.ts";

/** Stops a running migration: the share stays on its store and the partial copy is removed. */
export const migrationCancel = adminProcedure
  .input(shareNameInput)
  .mutation(({ ctx, input }) => ctx.runtime.cancelMigration(input.name));

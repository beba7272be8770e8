import { shareMigrateInput } from "@dittofs/shared";
import { adminProcedure } from "../../trpc.ts";

/**
 * Starts moving a share's blocks to another block store while the share stays in use: copied,
 * verified, then switched; the old copy is kept until migration.confirm (runtime/share-migration.ts).
 */
export const migrate = adminProcedure
  .input(shareMigrateInput)
  .mutation(({ ctx, input }) => ctx.runtime.startMigration(input.name, input.blockStore));

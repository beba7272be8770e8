import { blockStoreTestInput } from "@dittofs/shared";
import { adminProcedure } from "../../trpc.ts";

/**
 * Probes a block store config before it is saved (e.g. S3 credentials). Admin only: it makes the
 * daemon connect wherever the caller says. A mutation so it is audited.
 */
export const testConnection = adminProcedure
  .input(blockStoreTestInput)
  .mutation(({ ctx, input }) => ctx.runtime.testBlockStore(input.type, input.config));

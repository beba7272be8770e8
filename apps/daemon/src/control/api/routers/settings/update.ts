import { settingsUpdateInput } from "@dittofs/shared";
import { adminProcedure } from "../../trpc.ts";

/** Upserts the given keys; a null value removes a key. Returns every setting. */
export const update = adminProcedure
  .input(settingsUpdateInput)
  .mutation(({ ctx, input }) => ctx.store.updateSettings(input.values));

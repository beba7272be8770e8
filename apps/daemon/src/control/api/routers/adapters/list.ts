import { readProcedure } from "../../trpc.ts";
import { withStatus } from "./with-status.ts";

export const list = readProcedure.query(async ({ ctx }) =>
  (await ctx.store.listAdapters()).map((a) => withStatus(ctx.runtime, a)),
);

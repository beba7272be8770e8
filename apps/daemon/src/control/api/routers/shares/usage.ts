import { readProcedure } from "../../trpc.ts";

/** Files and bytes each live share holds (the console's usage figures and its store-change guard). */
export const usage = readProcedure.query(({ ctx }) => ctx.runtime.shareUsage());

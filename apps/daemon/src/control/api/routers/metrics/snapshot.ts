import { readProcedure } from "../../trpc.ts";

export const snapshot = readProcedure.query(({ ctx }) => ctx.runtime.metricsSnapshot());

import { metricsHistoryInput } from "@dittofs/shared";
import { readProcedure } from "../../trpc.ts";

/** Snapshots of the last `rangeSeconds` from the daemon's bounded history (runtime/metrics-history.ts). */
export const history = readProcedure
  .input(metricsHistoryInput)
  .query(({ ctx, input }) => ctx.runtime.metricsHistory(input.rangeSeconds));

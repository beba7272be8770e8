import { setTimeout as sleep } from "node:timers/promises";
import type { MetricsSnapshot } from "../../../runtime-control.ts";
import { readProcedure } from "../../trpc.ts";

/** One snapshot per interval while the subscriber stays (SSE through httpSubscriptionLink). */
export const METRICS_LIVE_INTERVAL_MS = 1_000;

export const live = readProcedure.subscription(async function* ({
  ctx,
  signal,
}): AsyncGenerator<MetricsSnapshot> {
  while (signal?.aborted !== true) {
    yield ctx.runtime.metricsSnapshot();
    try {
      await sleep(METRICS_LIVE_INTERVAL_MS, undefined, { signal });
    } catch {
      return; // aborted while waiting
    }
  }
});

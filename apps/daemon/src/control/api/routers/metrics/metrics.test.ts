import { expect, it } from "vitest";
import { type Api, beforeEachFreshApi, type Caller, trpcError } from "../../../testing/api.ts";
import { describeOnBothDatabases } from "../../../testing/control-store.ts";
import { idleMetricsSnapshot } from "../../../testing/in-process-runtime.ts";

describeOnBothDatabases("metrics router", (dialect) => {
  let api: Api;
  let admin: Caller;
  beforeEachFreshApi(dialect, (a, c) => {
    api = a;
    admin = c;
  });

  it("reads the history of the range asked for, and names a bad range", async () => {
    const now = Date.now();
    for (const ageS of [7200, 600, 30]) {
      api.runtime.history.push({ ...idleMetricsSnapshot(), timestamp: new Date(now - ageS * 1000) });
    }
    expect((await admin.metrics.history({ rangeSeconds: 900 })).length).toBe(2);
    expect((await admin.metrics.history({ rangeSeconds: 86_400 })).length).toBe(3);
    const bad = await trpcError(admin.metrics.history({ rangeSeconds: 10 }));
    expect([bad.code, bad.message]).toEqual(["BAD_REQUEST", "rangeSeconds: at least 60 seconds"]);
    const user = await api.withRole("user");
    expect((await trpcError(user.metrics.history({ rangeSeconds: 900 }))).code).toBe("FORBIDDEN");
  });
});

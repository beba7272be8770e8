import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import * as C from "./constants.ts";
import { useSmbHarness } from "./testing/fixture.ts";

describe("an SMB client's last activity in the connected-clients list", () => {
  const fx = useSmbHarness();

  it("moves with each request, not only at connect", async () => {
    const smb = () => fx.h.ctx.clients.list().filter((c) => c.protocol === "smb");
    const known = new Set(smb().map((c) => c.id));
    const c = await fx.login();
    const mine = () => smb().find((e) => !known.has(e.id));
    const before = mine()!.lastActive.getTime();
    // Let the clock pass the last request's millisecond, so a touch shows as a later time.
    while (Date.now() <= before) await sleep(2);
    expect((await c.send(C.SMB2_ECHO, Buffer.from([4, 0, 0, 0]))).status).toBe(0);
    expect(mine()!.lastActive.getTime()).toBeGreaterThan(before);
    expect(mine()!.since.getTime()).toBeLessThanOrEqual(before);
  });
});

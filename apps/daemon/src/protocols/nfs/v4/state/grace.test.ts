import { describe, expect, it } from "vitest";
import { MemoryNfs4ClientStore } from "../../../../domain/nfs4-clients.ts";
import { clientRecord } from "../../../../domain/testing/nfs4-client-store-conformance.ts";
import { GracePeriod } from "./grace.ts";

const code = (fn: () => void) => {
  try {
    fn();
    return "ok";
  } catch (e) {
    return (e as { code: string }).code;
  }
};

describe("NFSv4 grace period", () => {
  it("lets recorded clients reclaim and nobody else open or lock until it ends", async () => {
    let now = 0;
    const store = new MemoryNfs4ClientStore();
    const a = clientRecord({ confirmed: true });
    const b = clientRecord({ confirmed: true });
    const never = clientRecord({ confirmed: false });
    for (const r of [a, b, never]) await store.put(r);
    const g = await GracePeriod.begin({ store, graceMs: 90_000, now: () => now });
    expect(g.active).toBe(true);
    expect(code(() => g.checkReclaim(a.owner))).toBe("ok");
    expect(code(() => g.checkReclaim(never.owner))).toBe("RECLAIM_BAD");
    expect(code(() => g.checkReclaim(Buffer.from("stranger")))).toBe("RECLAIM_BAD");
    await g.confirmed({ ...a, clientId: 99n });
    g.reclaimComplete(a.owner);
    expect(code(() => g.checkReclaim(a.owner))).toBe("NO_GRACE");
    now = 89_999;
    expect(g.remainingMs).toBe(1);
    expect(await g.prune()).toBe(0);
    now = 90_000;
    expect(g.active).toBe(false);
    expect(code(() => g.checkReclaim(b.owner))).toBe("NO_GRACE");
    // b never came back: its record goes; a's new record stays, ready for the next restart.
    expect(await g.prune()).toBe(2);
    const left = await store.list();
    expect(left.map((r) => r.clientId)).toEqual([99n]);
    expect(left[0]).toMatchObject({ confirmed: true, reclaimComplete: false });
  });

  it("ends early once every recorded client completed its reclaim, and is absent with none", async () => {
    const store = new MemoryNfs4ClientStore();
    const fresh = await GracePeriod.begin({ store, graceMs: 90_000, now: () => 0 });
    expect(fresh.active).toBe(false);
    const a = clientRecord({ confirmed: true });
    const b = clientRecord({ confirmed: true });
    await store.put(a);
    await store.put(b);
    const g = await GracePeriod.begin({ store, graceMs: 90_000, now: () => 0 });
    g.reclaimComplete(a.owner);
    expect(g.active).toBe(true);
    g.reclaimComplete(b.owner);
    expect(g.active).toBe(false);
    await g.forgotten(a.owner);
    expect((await store.list()).map((r) => r.owner)).toEqual([b.owner]);
  });
});

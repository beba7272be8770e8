import { describe, expect, it } from "vitest";
import { type LeaseHolder, LeaseReaper } from "./lease.ts";

describe("NFSv4 leases", () => {
  it("expires exactly the clients a full lease without renewal", async () => {
    let now = 1_000_000;
    const clients: LeaseHolder[] = [
      { clientId: 1n, renewedAt: now },
      { clientId: 2n, renewedAt: now },
    ];
    const expired: bigint[] = [];
    const reaper = new LeaseReaper({
      leaseSeconds: 90,
      now: () => now,
      clients: () => clients,
      expire: (id) => {
        expired.push(id);
      },
    });
    now += 60_000;
    clients[1]!.renewedAt = now;
    expect(await reaper.sweep()).toEqual([]);
    now += 29_999;
    expect(reaper.live(clients[0]!)).toBe(true);
    expect(await reaper.sweep()).toEqual([]);
    now += 1;
    expect(reaper.live(clients[0]!)).toBe(false);
    expect(await reaper.sweep()).toEqual([1n]);
    expect(expired).toEqual([1n]);
  });

  it("refuses a lease time outside its bounds", () => {
    const o = { now: Date.now, clients: () => [], expire: () => {} };
    expect(() => new LeaseReaper({ ...o, leaseSeconds: 5 })).toThrow(RangeError);
    expect(() => new LeaseReaper({ ...o, leaseSeconds: 1.5 })).toThrow(RangeError);
    expect(new LeaseReaper({ ...o, leaseSeconds: 10 }).leaseMs).toBe(10_000);
  });
});

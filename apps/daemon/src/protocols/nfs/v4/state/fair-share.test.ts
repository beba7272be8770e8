/**
 * Issue 17 for NFSv4 totals: a few client addresses cannot take every client record or open
 * stateid (domain/fair-map.ts: an address's own count twice against the total).
 */
import { describe, expect, it } from "vitest";
import * as k from "../constants.ts";
import { Nfs4State } from "./state.ts";
import { StateidTable } from "./stateids.ts";

/** Calls `take` until it throws; returns how many it took. */
function until(take: (i: number) => void): number {
  for (let i = 0; ; i++) {
    try {
      take(i);
    } catch (e) {
      expect(e).toMatchObject({ status: k.NFS4ERR_RESOURCE });
      return i;
    }
  }
}

describe("NFSv4 totals shared fairly by client address", () => {
  it("gives the clients of one address at most half of the open stateids; another address still opens", () => {
    const t = new StateidTable(1);
    const fh = Buffer.from("file");
    const openAs = (client: bigint, address: string) => (i: number) => {
      t.open(client, `o${i}`, fh, 1, 0, address);
    };
    // Two clients reach their own cap (16,384 each), the third is refused at the address's half.
    expect(until(openAs(1n, "10.0.0.1"))).toBe(k.NFS4_OPENS_PER_CLIENT_MAX);
    expect(until(openAs(2n, "10.0.0.1"))).toBe(k.NFS4_OPENS_PER_CLIENT_MAX);
    expect(until(openAs(3n, "10.0.0.1"))).toBe(0);
    expect(t.size).toBe(k.NFS4_OPENS_MAX / 2);
    expect(until(openAs(4n, "10.0.0.2"))).toBe(k.NFS4_OPENS_PER_CLIENT_MAX);
  });

  it("leaves client records for a new address after eight addresses each made records holding opens", () => {
    const state = new Nfs4State({ leaseSeconds: 90, now: () => 0 });
    const fh = Buffer.from("file");
    const introduce = (address: string) => (i: number) => {
      const owner = Buffer.from(`${address}/${i}`);
      const c = state.introduce(
        { owner, verifier: Buffer.alloc(8), minor: 1 },
        { auth: null, remoteAddress: address },
      );
      // Confirmed and holding an open: a record no cap may evict.
      state.clients.confirm(c);
      state.stateids.open(c.clientId, "o", fh, 1, 0, address);
    };
    const got = Array.from({ length: 8 }, (_, a) => until(introduce(`10.0.1.${a}`)));
    // Seven addresses get their 128 each; the eighth stops where its own plus the total reach the cap.
    expect(got).toEqual([128, 128, 128, 128, 128, 128, 128, 64]);
    expect(until(introduce("10.0.1.100"))).toBeGreaterThan(0);
  });
});

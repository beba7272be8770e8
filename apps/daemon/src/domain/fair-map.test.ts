import { describe, expect, it } from "vitest";
import { FairMap } from "./fair-map.ts";

/** Adds entries for `party` until refused; returns how many it got. */
function fill(m: FairMap<string, number>, party: string): number {
  let n = 0;
  while (m.admits(party)) m.set(`${party}:${n}`, n++, party);
  return n;
}

describe("FairMap", () => {
  it("gives one party half, each next one half of what is left, and a newcomer room while any is left", () => {
    const m = new FairMap<string, number>(1024);
    expect(fill(m, "a")).toBe(512);
    expect(fill(m, "b")).toBe(256);
    expect(fill(m, "c")).toBe(128);
    // Eight hosts fill a fixed per-host share of 128; here eight leave 4 entries.
    for (const p of ["d", "e", "f", "g", "h"]) fill(m, p);
    expect(m.size).toBe(1020);
    expect(m.admits("newcomer")).toBe(true);
    expect(m.admits("a")).toBe(false);
    // Deleted entries are the party's to add again; a replaced key moves to its new party.
    for (let i = 0; i < 100; i++) expect(m.delete(`a:${i}`)).toBe(true);
    expect(m.delete("a:0")).toBe(false);
    expect(m.of("a")).toBe(412);
    expect(m.admits("a")).toBe(false);
    expect(fill(m, "i")).toBe(52);
    m.set("b:0", 7, "z");
    expect([m.of("b"), m.of("z"), m.get("b:0"), m.size]).toEqual([255, 1, 7, 972]);
  });
});

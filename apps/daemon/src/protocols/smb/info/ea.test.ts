import { describe, expect, it } from "vitest";
import { encodeFullEaList, fittingEas } from "./ea.ts";

describe("fittingEas", () => {
  it("counts the entries whose encoded list fits, for every room up to the whole list", () => {
    // Names and values of lengths that pad differently (the last entry is never padded).
    const eas = ["a", "bb", "ccc", "dddd", "eeeee"].map((name, i) => ({
      name,
      value: Buffer.alloc(i * 3, 0x61 + i),
    }));
    const full = encodeFullEaList(eas).length;
    for (let room = 0; room <= full + 4; room++) {
      let want = eas.length;
      while (want > 0 && encodeFullEaList(eas.slice(0, want)).length > room) want--;
      expect([room, fittingEas(eas, room)]).toEqual([room, want]);
    }
  });
});

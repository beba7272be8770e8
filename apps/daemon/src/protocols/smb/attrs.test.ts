import { describe, expect, it } from "vitest";
import { fromFiletime, toFiletime } from "./attrs.ts";

describe("FILETIME", () => {
  it("maps the Unix epoch to 116444736000000000 and round-trips 100 ns precision", () => {
    expect(toFiletime({ sec: 0, nsec: 0 })).toBe(116444736000000000n);
    const t = { sec: 1_700_000_000, nsec: 123_456_700 };
    expect(fromFiletime(toFiletime(t))).toEqual(t);
    expect(fromFiletime(116444736000000000n - 1n)).toEqual({ sec: -1, nsec: 999_999_900 });
  });
});

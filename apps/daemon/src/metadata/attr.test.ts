import { describe, expect, it } from "vitest";
import { toFileAttr } from "./attr.ts";
import type { InodeRecord } from "./metadata-store.ts";

const rec = (rdevMajor: number, rdevMinor: number) =>
  ({
    id: 5n,
    type: rdevMajor === 0 ? "file" : "chr",
    size: 0,
    rdevMajor,
    rdevMinor,
    changeTime: null,
  }) as InodeRecord;

describe("toFileAttr", () => {
  it("shares one rdev object among files that are no devices (one allocation less per GETATTR and READ)", () => {
    const a = toFileAttr(rec(0, 0), 1n);
    expect(a.rdev).toEqual({ major: 0, minor: 0 });
    expect(toFileAttr(rec(0, 0), 1n).rdev).toBe(a.rdev);
    expect(Object.isFrozen(a.rdev)).toBe(true);
    expect(toFileAttr(rec(8, 1), 1n).rdev).toEqual({ major: 8, minor: 1 });
  });
});

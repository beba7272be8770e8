import { describe, expect, it } from "vitest";
import { unixIdOf } from "./posix.ts";
import { decodeSd, encodeSd, SE_DACL_PROTECTED, type SecurityDescriptor, sidBytes } from "./sd.ts";

describe("security descriptor codec", () => {
  it("round-trips owner, group, deny/allow ACEs and DACL control flags", () => {
    const sd: SecurityDescriptor = {
      owner: "S-1-5-21-1-2-3-500",
      group: "S-1-5-32-545",
      dacl: {
        control: SE_DACL_PROTECTED,
        aces: [
          { type: 1, flags: 0x13, mask: 0x0001_0000, sid: "S-1-1-0" },
          { type: 0, flags: 0, mask: 0x001f_01ff, sid: "S-1-3-4" },
        ],
      },
    };
    expect(decodeSd(encodeSd(sd))).toEqual(sd);
    expect(decodeSd(encodeSd({ owner: null, group: null, dacl: null }))).toEqual({
      owner: null,
      group: null,
      dacl: null,
    });
    expect(decodeSd(encodeSd({ owner: "S-1-1-0", group: null }))).toEqual({ owner: "S-1-1-0", group: null });
  });

  it("encodes SIDs as [MS-DTYP] 2.4.2.2 says and refuses what is not one", () => {
    expect(sidBytes("S-1-5-11").toString("hex")).toBe("01010000000000050b000000");
    expect(() => sidBytes(`S-1-5-${"1-".repeat(15)}1`)).toThrow(RangeError);
    expect(() => sidBytes("X-1-5")).toThrow(RangeError);
  });
});

describe("Unix SIDs", () => {
  it("reads Unix SIDs of the right kind only", () => {
    expect(unixIdOf("S-1-22-1-1000", "user")).toBe(1000);
    expect(unixIdOf("S-1-22-1-1000", "group")).toBeNull();
    expect(unixIdOf("S-1-22-2-7", "group")).toBe(7);
    expect(unixIdOf("S-1-1-0", "user")).toBeNull();
  });
});

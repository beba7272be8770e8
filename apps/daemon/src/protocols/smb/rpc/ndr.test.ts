import { describe, expect, it } from "vitest";
import { MAX_NDR_STRING_UNITS, NdrError, NdrReader, NdrWriter } from "./ndr.ts";

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");

describe("NDR writer", () => {
  it("writes a conformant varying string with its NUL, padded to 4 ([C706] §14.3.4.2)", () => {
    expect(new NdrWriter().string("ab").finish()).toEqual(
      hex("03000000 00000000 03000000 6100 6200 0000 0000"),
    );
  });

  it("hands out referent ids from 0x00020000 and writes null pointers as 0", () => {
    const b = new NdrWriter().pointer().pointer(false).pointer().finish();
    expect(b).toEqual(hex("00000200 00000000 04000200"));
  });

  it("aligns each u32 to 4 from the stub start", () => {
    const b = new NdrWriter().string("a").u32(7).finish();
    expect(b).toEqual(hex("02000000 00000000 02000000 6100 0000 07000000"));
  });
});

describe("NDR reader", () => {
  it("reads what the writer wrote, a null unique string as null", () => {
    const b = new NdrWriter().pointer().string("srv").pointer(false).u32(9).finish();
    const r = new NdrReader(b);
    expect(r.uniqueString()).toBe("srv");
    expect(r.uniqueString()).toBeNull();
    expect(r.u32()).toBe(9);
  });

  it("refuses strings past their bounds or the named maximum, and short stubs", () => {
    const units = (max: number, off: number, actual: number) =>
      Buffer.concat([new NdrWriter().u32(max).u32(off).u32(actual).finish(), Buffer.alloc(2 * actual)]);
    expect(() => new NdrReader(units(MAX_NDR_STRING_UNITS + 1, 0, 1)).string()).toThrow(NdrError);
    expect(() => new NdrReader(units(2, 0, 3)).string()).toThrow(NdrError);
    expect(() => new NdrReader(units(2, 1, 1)).string()).toThrow(NdrError);
    expect(() => new NdrReader(units(4, 0, 4).subarray(0, 15)).string()).toThrow(NdrError);
    expect(() => new NdrReader(hex("010203")).u32()).toThrow(NdrError);
    expect(() => new NdrReader(hex("01")).u16()).toThrow(NdrError);
  });
});

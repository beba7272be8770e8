import { describe, expect, it } from "vitest";
import { mapGeneric } from "../../files/nt-acl/access.ts";
import {
  DELETE,
  FILE_READ_DATA,
  FILE_SHARE_READ,
  FILE_SHARE_WRITE,
  FILE_WRITE_DATA,
  GENERIC_READ,
} from "./constants.ts";
import { shareConflict } from "./opens.ts";
import type { Open } from "./state.ts";

const open = (grantedAccess: number, shareAccess: number) => ({ grantedAccess, shareAccess }) as Open;

describe("share access", () => {
  it("lets readers share with readers and refuses a writer the first did not allow", () => {
    const reader = open(FILE_READ_DATA, FILE_SHARE_READ);
    expect(shareConflict(reader, FILE_READ_DATA, FILE_SHARE_READ)).toBe(false);
    expect(shareConflict(reader, FILE_WRITE_DATA, FILE_SHARE_READ)).toBe(true);
    expect(shareConflict(reader, FILE_READ_DATA, 0)).toBe(true);
    expect(shareConflict(open(FILE_READ_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE), FILE_WRITE_DATA, 7)).toBe(
      false,
    );
  });
  it("ignores opens without data or delete access (attribute-only)", () => {
    expect(shareConflict(open(0x80, 0), FILE_WRITE_DATA, 0)).toBe(false);
    expect(shareConflict(open(FILE_READ_DATA, FILE_SHARE_READ), DELETE, 7)).toBe(true);
  });
  it("maps GENERIC_READ to FILE_GENERIC_READ", () => {
    expect(mapGeneric(GENERIC_READ)).toBe(0x00120089);
  });
});

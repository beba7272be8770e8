import { describe, expect, it } from "vitest";
import type { FileAttr } from "../../../metadata/types.ts";
import * as C from "../constants.ts";
import { daclSd } from "../testing/bodies.ts";
import {
  DaclNotRepresentable,
  MAX_DACL_ACES,
  modeOfDacl,
  ownershipOf,
  securityDescriptor,
  sid,
} from "./security.ts";

const ALL = C.OWNER_SECURITY_INFORMATION | C.GROUP_SECURITY_INFORMATION | C.DACL_SECURITY_INFORMATION;
const owner = { uid: 1001, gid: 1002 };
const attr = (mode: number) => ({ ...owner, mode }) as FileAttr;

describe("security descriptors ↔ POSIX owner/group/mode", () => {
  it("encodes owner S-1-22-1-uid, group S-1-22-2-gid and a DACL of three allow ACEs (golden)", () => {
    const sd = securityDescriptor(attr(0o640), ALL);
    // Revision 1, Control SE_SELF_RELATIVE|SE_DACL_PRESENT, owner at 20, group at 36, no SACL, DACL at 52.
    expect(sd.subarray(0, 20).toString("hex")).toBe("0100048014000000240000000000000034000000");
    expect(sd.subarray(20, 36)).toEqual(sid(22, 1, 1001));
    expect(sd.subarray(20, 28).toString("hex")).toBe("0102000000000016");
    expect(sd.readUInt32LE(28)).toBe(1);
    expect(ownershipOf(sd, ALL)).toEqual({ uid: 1001, gid: 1002 });
    expect(sd.readUInt16LE(52 + 4)).toBe(3);
  });

  it("maps every permission mode back from its own DACL, keeping set-id and sticky bits", () => {
    for (let mode = 0; mode <= 0o777; mode++) {
      expect(modeOfDacl(securityDescriptor(attr(mode), ALL), owner, 0o4000 | 0o123)).toBe(0o4000 | mode);
    }
  });

  it("reads generic rights, merges ACEs of one SID, ignores inherit-only ACEs; a NULL DACL is 0777", () => {
    const ev = sid(1, 0);
    const sd = daclSd([
      [0, 0, 0x80000000, sid(22, 1, 1001)], // GENERIC_READ
      [0, 0, C.FILE_WRITE_DATA, sid(22, 1, 1001)],
      [0, 0, 0x10000000, sid(22, 2, 1002)], // GENERIC_ALL
      [1, 0x08, C.FILE_READ_DATA, ev], // a deny that only children inherit
      [0, 0x08, C.FILE_READ_DATA, sid(22, 1, 4242)],
      [0, 0, C.FILE_EXECUTE, ev],
    ]);
    expect(modeOfDacl(sd, owner, 0o1000)).toBe(0o1000 | 0o671);
    expect(modeOfDacl(daclSd(null), owner, 0)).toBe(0o777);
    expect(modeOfDacl(daclSd([]), owner, 0o644)).toBe(0);
  });

  it("refuses what a mode cannot express, and malformed DACLs", () => {
    expect(() => modeOfDacl(daclSd([[1, 0, C.FILE_READ_DATA, sid(1, 0)]]), owner, 0)).toThrow(
      DaclNotRepresentable,
    );
    expect(() => modeOfDacl(daclSd([[0, 0, C.FILE_READ_DATA, sid(22, 1, 7)]]), owner, 0)).toThrow(
      DaclNotRepresentable,
    );
    expect(() => modeOfDacl(daclSd([[0, 0, C.FILE_READ_DATA, sid(5, 18)]]), owner, 0)).toThrow(
      DaclNotRepresentable,
    );
    const good = daclSd([[0, 0, C.FILE_READ_DATA, sid(1, 0)]]);
    expect(() => modeOfDacl(good.subarray(0, good.length - 4), owner, 0)).toThrow(RangeError);
    const bigCount = Buffer.from(good);
    bigCount.writeUInt16LE(MAX_DACL_ACES + 1, 24);
    expect(() => modeOfDacl(bigCount, owner, 0)).toThrow(RangeError);
    const badAce = Buffer.from(good);
    badAce.writeUInt16LE(4, 30); // AceSize shorter than its header
    expect(() => modeOfDacl(badAce, owner, 0)).toThrow(RangeError);
    expect(() => modeOfDacl(Buffer.alloc(10), owner, 0)).toThrow(RangeError);
  });
});

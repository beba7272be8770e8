import { describe, expect, it } from "vitest";
import { modeDacl } from "../../../files/nt-acl/posix.ts";
import * as C from "../constants.ts";
import * as S from "../ntstatus.ts";
import { SmbError } from "../status.ts";
import { daclSd } from "../testing/bodies.ts";
import { decodeSecurity, securityChange, securityReply, sid } from "./security.ts";

const ALL = C.OWNER_SECURITY_INFORMATION | C.GROUP_SECURITY_INFORMATION | C.DACL_SECURITY_INFORMATION;
const owner = { uid: 1001, gid: 1002 };

function status(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof SmbError) return e.status;
    throw e;
  }
  return undefined;
}

describe("security descriptors on the wire", () => {
  it("encodes owner S-1-22-1-uid, group S-1-22-2-gid and a mode's DACL of three allow ACEs (golden)", () => {
    const sd = securityReply(
      { owner: "S-1-22-1-1001", group: "S-1-22-2-1002", dacl: modeDacl({ ...owner, mode: 0o640 }) },
      ALL,
    );
    // Revision 1, Control SE_SELF_RELATIVE|SE_DACL_PRESENT, owner at 20, group at 36, no SACL, DACL at 52.
    expect(sd.subarray(0, 20).toString("hex")).toBe("0100048014000000240000000000000034000000");
    expect(sd.subarray(20, 36)).toEqual(sid(22, 1, 1001));
    expect(sd.readUInt16LE(52 + 4)).toBe(3);
    const back = decodeSecurity(sd);
    expect(back.owner).toBe("S-1-22-1-1001");
    expect(back.dacl?.aces.map((a) => a.sid)).toEqual(["S-1-22-1-1001", "S-1-22-2-1002", "S-1-1-0"]);
  });

  it("answers only the parts asked for; a NULL DACL is DACL_PRESENT with no offset", () => {
    const sd = securityReply(
      { owner: "S-1-1-0", group: "S-1-5-32-545", dacl: null },
      C.DACL_SECURITY_INFORMATION,
    );
    expect(sd.toString("hex")).toBe(`0100048000000000000000000000000000000000`);
    expect(decodeSecurity(sd).dacl).toBeNull();
  });

  it("takes the parts SET_INFO names; a missing DACL with DACL_SECURITY_INFORMATION is a NULL DACL", () => {
    const sd = decodeSecurity(daclSd([[1, 0, C.FILE_READ_DATA, sid(1, 0)]]));
    expect(securityChange(sd, C.DACL_SECURITY_INFORMATION)).toEqual({ dacl: sd.dacl });
    expect(securityChange(sd, C.OWNER_SECURITY_INFORMATION)).toEqual({});
    const noDacl = Buffer.from(daclSd(null));
    noDacl.writeUInt16LE(0x8000, 2);
    expect(securityChange(decodeSecurity(noDacl), C.DACL_SECURITY_INFORMATION)).toEqual({ dacl: null });
  });

  it("refuses malformed descriptors (INVALID_PARAMETER) and object ACEs (NOT_SUPPORTED)", () => {
    const good = daclSd([[0, 0, C.FILE_READ_DATA, sid(1, 0)]]);
    expect(status(() => decodeSecurity(good.subarray(0, good.length - 4)))).toBe(S.STATUS_INVALID_PARAMETER);
    const bigCount = Buffer.from(good);
    bigCount.writeUInt16LE(257, 24);
    expect(status(() => decodeSecurity(bigCount))).toBe(S.STATUS_INVALID_PARAMETER);
    const badAce = Buffer.from(good);
    badAce.writeUInt16LE(4, 30); // AceSize shorter than its header
    expect(status(() => decodeSecurity(badAce))).toBe(S.STATUS_INVALID_PARAMETER);
    expect(status(() => decodeSecurity(Buffer.alloc(10)))).toBe(S.STATUS_INVALID_PARAMETER);
    const objectAce = Buffer.from(good);
    objectAce[28] = 5; // ACCESS_ALLOWED_OBJECT_ACE_TYPE
    expect(status(() => decodeSecurity(objectAce))).toBe(S.STATUS_NOT_SUPPORTED);
  });
});

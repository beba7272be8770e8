import { describe, expect, it } from "vitest";
import {
  AUTHENTICATED_USERS,
  DELETE,
  EVERYONE,
  FILE_ALL_ACCESS,
  FILE_EXECUTE,
  FILE_GENERIC_READ,
  FILE_GENERIC_WRITE,
  FILE_READ_DATA,
  FILE_WRITE_DATA,
  mapGeneric,
  maximalAccess,
  OWNER_RIGHTS,
  READ_CONTROL,
  type Token,
  WRITE_DAC,
} from "./access.ts";
import { type Ace, type Dacl, INHERIT_ONLY_ACE } from "./sd.ts";

const ALICE = "S-1-22-1-1000";
const BOB = "S-1-22-1-1001";
const STAFF = "S-1-22-2-50";
const alice: Token = { user: ALICE, groups: ["S-1-22-2-1000", STAFF, EVERYONE, AUTHENTICATED_USERS] };
const allow = (sid: string, mask: number, flags = 0): Ace => ({ type: 0, flags, mask, sid });
const deny = (sid: string, mask: number, flags = 0): Ace => ({ type: 1, flags, mask, sid });
const dacl = (...aces: Ace[]): Dacl => ({ control: 0, aces });
const RW = FILE_READ_DATA | FILE_WRITE_DATA;
const IMPLICIT = READ_CONTROL | WRITE_DAC;
const GENERIC_READ = 0x8000_0000;
const GENERIC_ALL = 0x1000_0000;

describe("[MS-DTYP] 2.5.3.2 maximal access", () => {
  const cases: [string, Dacl | null, string, number][] = [
    ["a NULL DACL grants every right", null, BOB, FILE_ALL_ACCESS],
    ["an empty DACL grants nothing to a non-owner", dacl(), BOB, 0],
    ["an empty DACL leaves the owner READ_CONTROL|WRITE_DAC", dacl(), ALICE, IMPLICIT],
    ["an allow ACE for the user", dacl(allow(ALICE, RW)), BOB, RW],
    ["an allow ACE for a group of the token", dacl(allow(STAFF, FILE_EXECUTE)), BOB, FILE_EXECUTE],
    ["an ACE for another SID grants nothing", dacl(allow(BOB, RW)), BOB, 0],
    [
      "a deny before an allow wins",
      dacl(deny(EVERYONE, FILE_READ_DATA), allow(ALICE, RW)),
      BOB,
      FILE_WRITE_DATA,
    ],
    [
      "an allow before a deny wins (non-canonical order)",
      dacl(allow(ALICE, RW), deny(EVERYONE, RW)),
      BOB,
      RW,
    ],
    [
      "a deny of a right the owner holds implicitly does not take it",
      dacl(deny(ALICE, READ_CONTROL)),
      ALICE,
      IMPLICIT,
    ],
    ["generic rights in an ACE are mapped", dacl(allow(ALICE, GENERIC_READ)), BOB, FILE_GENERIC_READ],
    ["GENERIC_ALL maps to every file right", dacl(allow(EVERYONE, GENERIC_ALL)), BOB, FILE_ALL_ACCESS],
    ["inherit-only ACEs are skipped", dacl(allow(ALICE, RW, INHERIT_ONLY_ACE)), BOB, 0],
    [
      "an inherit-only deny is skipped too",
      dacl(deny(ALICE, RW, INHERIT_ONLY_ACE), allow(ALICE, RW)),
      BOB,
      RW,
    ],
    [
      "OWNER RIGHTS replaces the owner's implicit rights",
      dacl(allow(OWNER_RIGHTS, FILE_READ_DATA)),
      ALICE,
      FILE_READ_DATA,
    ],
    [
      "OWNER RIGHTS and the owner's own ACE add up",
      dacl(allow(ALICE, FILE_READ_DATA), allow(OWNER_RIGHTS, FILE_WRITE_DATA)),
      ALICE,
      RW,
    ],
    ["OWNER RIGHTS does not apply to a non-owner", dacl(allow(OWNER_RIGHTS, RW)), BOB, 0],
    [
      "a deny for OWNER RIGHTS first holds for the owner",
      dacl(deny(OWNER_RIGHTS, FILE_WRITE_DATA), allow(ALICE, RW | WRITE_DAC)),
      ALICE,
      FILE_READ_DATA | WRITE_DAC,
    ],
    [
      "allow, deny and allow again merge per right",
      dacl(
        allow(ALICE, FILE_READ_DATA),
        deny(ALICE, RW | DELETE),
        allow(EVERYONE, FILE_GENERIC_WRITE | DELETE),
      ),
      BOB,
      FILE_READ_DATA | (FILE_GENERIC_WRITE & ~FILE_WRITE_DATA),
    ],
  ];
  it.each(cases)("%s", (_name, d, owner, want) => {
    expect(maximalAccess(d, alice, owner)).toBe(want >>> 0);
  });

  it("maps the four generic rights and keeps specific ones", () => {
    expect(mapGeneric(0x4000_0000 | DELETE)).toBe((FILE_GENERIC_WRITE | DELETE) >>> 0);
    expect(mapGeneric(0x2000_0000)).toBe(0x0012_00a0);
    expect(mapGeneric(FILE_READ_DATA)).toBe(FILE_READ_DATA);
  });
});

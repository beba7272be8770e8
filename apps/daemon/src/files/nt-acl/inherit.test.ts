import { describe, expect, it } from "vitest";
import { CREATOR_OWNER, EVERYONE, FILE_ALL_ACCESS, FILE_GENERIC_READ, FILE_READ_DATA } from "./access.ts";
import { inheritDacl } from "./inherit.ts";
import {
  type Ace,
  CONTAINER_INHERIT_ACE,
  INHERIT_ONLY_ACE,
  INHERITED_ACE,
  NO_PROPAGATE_INHERIT_ACE,
  OBJECT_INHERIT_ACE,
  SE_DACL_AUTO_INHERITED,
  SE_DACL_PROTECTED,
} from "./sd.ts";

const OWNER = "S-1-22-1-1000";
const GROUP = "S-1-22-2-1000";
const OI = OBJECT_INHERIT_ACE;
const CI = CONTAINER_INHERIT_ACE;
const IO = INHERIT_ONLY_ACE;
const ID = INHERITED_ACE;
const GENERIC_ALL = 0x1000_0000;
const GENERIC_READ = 0x8000_0000;
const allow = (sid: string, mask: number, flags: number): Ace => ({ type: 0, flags, mask, sid });
const AUTO = SE_DACL_AUTO_INHERITED;
const of = (aces: Ace[], isDir: boolean, control = AUTO) =>
  inheritDacl({ control, aces }, isDir, OWNER, GROUP);

describe("[MS-DTYP] 2.5.3.4 inheritance", () => {
  it("a file takes object-inherit ACEs, marked inherited, without inheritance flags", () => {
    const got = of([allow(EVERYONE, FILE_READ_DATA, OI | CI), allow(OWNER, FILE_READ_DATA, CI)], false);
    expect(got?.aces).toEqual([allow(EVERYONE, FILE_READ_DATA, ID)]);
  });

  it("nothing inheritable (or no stored parent ACL) gives null: the default applies", () => {
    expect(of([allow(EVERYONE, FILE_READ_DATA, 0)], false)).toBeNull();
    expect(of([allow(EVERYONE, FILE_READ_DATA, CI)], false)).toBeNull();
    expect(inheritDacl(null, true, OWNER, GROUP)).toBeNull();
  });

  it("CREATOR OWNER becomes the owner on a file, generic rights mapped", () => {
    const got = of([allow(CREATOR_OWNER, GENERIC_ALL, OI | CI | IO)], false);
    expect(got?.aces).toEqual([allow(OWNER, FILE_ALL_ACCESS, ID)]);
  });

  it("a directory keeps an inherit-only copy of CREATOR OWNER and generic ACEs for its children", () => {
    const got = of(
      [allow(CREATOR_OWNER, GENERIC_ALL, OI | CI | IO), allow(EVERYONE, GENERIC_READ, CI)],
      true,
    );
    expect(got?.aces).toEqual([
      allow(OWNER, FILE_ALL_ACCESS, ID),
      allow(CREATOR_OWNER, GENERIC_ALL, ID | OI | CI | IO),
      allow(EVERYONE, FILE_GENERIC_READ, ID),
      allow(EVERYONE, GENERIC_READ, ID | CI | IO),
    ]);
  });

  it("a directory passes object-inherit-only ACEs on as inherit-only; no-propagate stops after one level", () => {
    const got = of(
      [allow(EVERYONE, FILE_READ_DATA, OI), allow(OWNER, FILE_READ_DATA, CI | NO_PROPAGATE_INHERIT_ACE)],
      true,
    );
    expect(got?.aces).toEqual([
      allow(EVERYONE, FILE_READ_DATA, ID | OI | IO),
      allow(OWNER, FILE_READ_DATA, ID),
    ]);
    expect(of([allow(EVERYONE, FILE_READ_DATA, OI | NO_PROPAGATE_INHERIT_ACE)], true)).toBeNull();
  });

  it("keeps the parent's auto-inherited flag, not its protection", () => {
    const got = of([allow(EVERYONE, FILE_READ_DATA, OI)], false, AUTO | SE_DACL_PROTECTED);
    expect(got?.control).toBe(AUTO);
  });

  it("marks nothing INHERITED_ACE under a parent that is not auto-inherited", () => {
    const got = of([allow(CREATOR_OWNER, FILE_READ_DATA, OI | CI | ID)], true, 0);
    expect(got).toEqual({
      control: 0,
      aces: [allow(OWNER, FILE_READ_DATA, 0), allow(CREATOR_OWNER, FILE_READ_DATA, OI | CI | IO)],
    });
  });
});

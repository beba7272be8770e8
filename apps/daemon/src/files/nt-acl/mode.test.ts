import { describe, expect, it } from "vitest";
import { classBits } from "../../metadata/permissions.ts";
import { AUTHENTICATED_USERS, EVERYONE, maximalAccess, OWNER_RIGHTS } from "./access.ts";
import { approximateMode } from "./mode.ts";
import { groupSid, modeDacl, tokenOf, userSid } from "./posix.ts";
import type { Ace, Dacl } from "./sd.ts";

const FILE = { uid: 7, gid: 8, type: "file" };
const DIR = { uid: 7, gid: 8, type: "dir" };
const allow = (sid: string, mask: number): Ace => ({ type: 0, flags: 0, mask, sid });
const deny = (sid: string, mask: number): Ace => ({ type: 1, flags: 0, mask, sid });
const dacl = (...aces: Ace[]): Dacl => ({ control: 0, aces });
const READ = 0x1;
const WRITE = 0x2 | 0x4;
const EXECUTE = 0x20;
const DELETE_CHILD = 0x40;

describe("the mode of a stored ACL (NFS never gets more than the ACL)", () => {
  it("a mode's own DACL approximates back to its bits; Everyone's rights count for every class", () => {
    for (let mode = 0; mode <= 0o777; mode++) {
      const [u, g, o] = [mode >> 6, (mode >> 3) & 7, mode & 7];
      // Windows adds up the ACEs that match: the owner and group classes also hold Everyone's bits.
      const want = ((u | o) << 6) | ((g | o) << 3) | o;
      expect(approximateMode(modeDacl({ ...FILE, mode }), FILE)).toBe(want);
    }
  });

  it("a NULL DACL is 0777; a deny for Everyone takes the bit from every class", () => {
    expect(approximateMode(null, FILE)).toBe(0o777);
    const d = modeDacl({ ...FILE, mode: 0o777 });
    d.aces.unshift(deny(EVERYONE, 0x2));
    expect(approximateMode(d, FILE)).toBe(0o555);
  });

  it("a grant to one user is no class's; a deny for one user or group takes the bit from the classes it may be in", () => {
    expect(approximateMode(dacl(allow("S-1-22-1-1002", 0x1f01ff), allow(EVERYONE, READ)), FILE)).toBe(0o444);
    const denyBob = dacl(deny("S-1-22-1-1002", WRITE), allow(EVERYONE, READ | WRITE));
    expect(approximateMode(denyBob, FILE)).toBe(0o644);
    // Any caller of the group or other class may be in staff; a foreign SID no NFS caller holds
    // changes nothing. The owner class is the owner's own rights.
    const denyStaff = dacl(
      deny("S-1-22-2-50", READ),
      deny("S-1-5-21-1-2-3-1104", WRITE),
      allow(EVERYONE, READ | WRITE),
    );
    expect(approximateMode(denyStaff, FILE)).toBe(0o622);
    const denyOwningGroup = dacl(deny("S-1-22-2-8", WRITE), allow(EVERYONE, READ | WRITE));
    expect(approximateMode(denyOwningGroup, FILE)).toBe(0o646);
  });

  it("a group or other w needs every right it stands for: append on a file, delete-child on a directory", () => {
    const staff = groupSid(8);
    expect(approximateMode(dacl(allow(staff, 0x2)), FILE)).toBe(0o000);
    expect(approximateMode(dacl(allow(staff, WRITE)), FILE)).toBe(0o020);
    expect(approximateMode(dacl(allow(staff, WRITE)), DIR)).toBe(0o000);
    // A directory class that may read or write may also traverse (SeChangeNotifyPrivilege).
    expect(approximateMode(dacl(allow(staff, WRITE | DELETE_CHILD)), DIR)).toBe(0o030);
    // The owner class is the closest approximation of the owner's rights (it may chmod anyway).
    expect(approximateMode(dacl(allow(userSid(7), 0x2)), DIR)).toBe(0o300);
    expect(approximateMode(dacl(allow(OWNER_RIGHTS, READ)), DIR)).toBe(0o500);
  });

  it("grants no NFS caller but the owner a bit the ACL denies it (random DACLs, every caller kind)", () => {
    const callers = [9, 10].flatMap((uid) =>
      [8, 11, 12].flatMap((gid) => [[], [8], [11, 12]].map((gids) => ({ uid, gid, gids }))),
    );
    const next = lcg(15);
    for (let i = 0; i < 400; i++) {
      const d = randomDacl(next);
      for (const a of [FILE, DIR]) {
        const mode = approximateMode(d, a);
        for (const id of callers) expect(excess(d, a, mode, id), JSON.stringify({ d, a, id })).toBe(0);
      }
    }
  });
});

/** A deterministic pseudo-random source: next(n) is in [0, n). */
function lcg(seed: number): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s % n;
  };
}

const SIDS = [
  EVERYONE,
  AUTHENTICATED_USERS,
  OWNER_RIGHTS,
  "S-1-5-7",
  "S-1-5-21-1-2-3-500",
  ...[7, 9, 10].map((u) => `S-1-22-1-${u}`),
  ...[8, 11, 12].map((g) => `S-1-22-2-${g}`),
];
const MASKS = [READ, WRITE, EXECUTE, DELETE_CHILD, 0x2, READ | WRITE | EXECUTE | DELETE_CHILD, 0x1000_0000];

function randomDacl(next: (n: number) => number): Dacl {
  const ace = (): Ace => ({
    type: next(2) as 0 | 1,
    flags: 0,
    mask: MASKS[next(MASKS.length)]!,
    sid: SIDS[next(SIDS.length)]!,
  });
  return dacl(...Array.from({ length: 1 + next(5) }, ace));
}

/** The mode bits caller `id` gets from `mode` that `d` does not grant it (a directory's x by privilege aside). */
function excess(d: Dacl, a: typeof FILE, mode: number, id: { uid: number; gid: number; gids: number[] }) {
  const nt = maximalAccess(d, tokenOf(id), userSid(a.uid));
  const b = classBits(id, { ...a, mode } as Parameters<typeof classBits>[1]);
  const w = a.type === "dir" ? WRITE | DELETE_CHILD : WRITE;
  let over = 0;
  if (b & 4 && (nt & READ) !== READ) over |= 4;
  if (b & 2 && (nt & w) !== w) over |= 2;
  if (b & 1 && (a.type === "file" || !(b & 6)) && (nt & EXECUTE) !== EXECUTE) over |= 1;
  return over;
}

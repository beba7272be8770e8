/**
 * Security descriptors and POSIX owner/group/mode, as Samba's Unix SIDs do it: a uid is
 * S-1-22-1-<uid>, a gid S-1-22-2-<gid>. A file without a stored ACL shows a DACL of one allow
 * ACE each for the owner, the group and Everyone from its three rwx triplets (r =
 * FILE_GENERIC_READ, w = FILE_GENERIC_WRITE|DELETE and FILE_DELETE_CHILD on a directory, x =
 * FILE_GENERIC_EXECUTE; the owner also holds WRITE_DAC/WRITE_OWNER). A file with a stored ACL
 * keeps as its mode the closest approximation of
 * the stored DACL: each class's rwx bits are the FILE_READ_DATA / FILE_WRITE_DATA /
 * FILE_EXECUTE rights the DACL grants a token of that class (docs/architecture.md "Security
 * descriptors").
 */
import type { Identity } from "../../metadata/permissions.ts";
import {
  AUTHENTICATED_USERS,
  EVERYONE,
  FILE_DELETE_CHILD,
  FILE_EXECUTE,
  FILE_GENERIC_EXECUTE,
  FILE_GENERIC_READ,
  FILE_GENERIC_WRITE,
  FILE_READ_ATTRIBUTES,
  FILE_READ_DATA,
  FILE_WRITE_DATA,
  maximalAccess,
  NETWORK,
  READ_CONTROL,
  type Token,
  WRITE_DAC,
} from "./access.ts";
import { ACCESS_ALLOWED_ACE_TYPE, type Dacl } from "./sd.ts";

const DELETE = 0x0001_0000;
const WRITE_OWNER = 0x0008_0000;
const SYNCHRONIZE = 0x0010_0000;
const FILE_WRITE_ATTRIBUTES = 0x0000_0100;

export const userSid = (uid: number) => `S-1-22-1-${uid}`;
export const groupSid = (gid: number) => `S-1-22-2-${gid}`;

/** The uid or gid of a Unix SID of that kind, or null for any other SID. */
export function unixIdOf(sid: string, kind: "user" | "group"): number | null {
  const m = /^S-1-22-([12])-(\d+)$/.exec(sid);
  if (!m || m[1] !== (kind === "user" ? "1" : "2")) return null;
  const id = Number(m[2]);
  return id <= 0xffffffff ? id : null;
}

/** The token of an identity (after squash): its user and group SIDs, Everyone, Authenticated Users. */
export function tokenOf(id: Identity): Token {
  const groups = [groupSid(id.gid), ...id.gids.map(groupSid), EVERYONE, AUTHENTICATED_USERS, NETWORK];
  return { user: userSid(id.uid), groups };
}

function maskOf(bits: number, owner: boolean, dir: boolean): number {
  let m = READ_CONTROL | SYNCHRONIZE | FILE_READ_ATTRIBUTES;
  if (bits & 4) m |= FILE_GENERIC_READ;
  if (bits & 2) m |= FILE_GENERIC_WRITE | DELETE;
  // w on a directory: its entries may be removed (POSIX unlink needs write on the directory).
  if (bits & 2 && dir) m |= FILE_DELETE_CHILD;
  if (bits & 1) m |= FILE_GENERIC_EXECUTE;
  if (owner) m |= WRITE_DAC | WRITE_OWNER | FILE_WRITE_ATTRIBUTES;
  return m >>> 0;
}

/** The DACL a mode shows ([MS-DTYP] §2.4.4.2 allow ACEs for owner, group, Everyone). */
export function modeDacl(a: { uid: number; gid: number; mode: number; type?: string }): Dacl {
  const dir = a.type === "dir";
  const allow = (mask: number, sid: string) =>
    ({ type: ACCESS_ALLOWED_ACE_TYPE, flags: 0, mask, sid }) as const;
  return {
    control: 0,
    aces: [
      allow(maskOf(a.mode >> 6, true, dir), userSid(a.uid)),
      allow(maskOf(a.mode >> 3, false, dir), groupSid(a.gid)),
      allow(maskOf(a.mode, false, dir), EVERYONE),
    ],
  };
}

function bitsOf(mask: number): number {
  return (mask & FILE_READ_DATA ? 4 : 0) | (mask & FILE_WRITE_DATA ? 2 : 0) | (mask & FILE_EXECUTE ? 1 : 0);
}

/**
 * The permission bits (0o777 at most) closest to what `dacl` grants each POSIX class. On a
 * directory a class with r or w also gets x: Windows grants traversal by privilege
 * (SeChangeNotifyPrivilege, held by every user), so a DACL never stops a path walk.
 */
export function approximateMode(dacl: Dacl | null, a: { uid: number; gid: number; type: string }): number {
  const others = [EVERYONE, AUTHENTICATED_USERS, NETWORK];
  const owner = userSid(a.uid);
  const bits = (t: Token) => {
    const b = bitsOf(maximalAccess(dacl, t, owner));
    return a.type === "dir" && b & 6 ? b | 1 : b;
  };
  const u = bits({ user: owner, groups: others });
  const g = bits({ user: "S-1-0-0", groups: [groupSid(a.gid), ...others] });
  const o = bits({ user: "S-1-0-0", groups: others });
  return (u << 6) | (g << 3) | o;
}

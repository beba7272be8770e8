/**
 * Security descriptors and POSIX owner/group/mode, as Samba's Unix SIDs do it: a uid is
 * S-1-22-1-<uid>, a gid S-1-22-2-<gid>. A file without a stored ACL shows a DACL of one allow
 * ACE each for the owner, the group and Everyone from its three rwx triplets (r =
 * FILE_GENERIC_READ, w = FILE_GENERIC_WRITE|DELETE and FILE_DELETE_CHILD on a directory, x =
 * FILE_GENERIC_EXECUTE; the owner also holds WRITE_DAC/WRITE_OWNER). The mode a file with a
 * stored ACL keeps is mode.ts's (docs/architecture.md "Security descriptors").
 */
import type { Identity } from "../../metadata/permissions.ts";
import {
  AUTHENTICATED_USERS,
  EVERYONE,
  FILE_DELETE_CHILD,
  FILE_GENERIC_EXECUTE,
  FILE_GENERIC_READ,
  FILE_GENERIC_WRITE,
  FILE_READ_ATTRIBUTES,
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

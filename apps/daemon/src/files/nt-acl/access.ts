/**
 * The access check of [MS-DTYP] §2.5.3.2 over a DACL, in the form every caller here needs: the
 * maximal access a token has (what MAXIMUM_ALLOWED and the MxAc create context report). A
 * request for specific rights is granted when they are all in it: a right is granted when the
 * first ACE (in DACL order) naming it for a SID of the token allows it, which is exactly what
 * the algorithm's "deny ACEs in order, allow removes from the remaining" loop decides, so one
 * function serves both. ACEs' generic rights are mapped with the file generic mapping
 * ([MS-SMB2] §3.3.5.9 / [MS-FSA] §2.1.5.1.2), inherit-only ACEs are skipped, and the owner holds
 * READ_CONTROL|WRITE_DAC unless the DACL names OWNER RIGHTS (S-1-3-4), whose ACEs then apply
 * to the owner instead.
 */
import { ACCESS_ALLOWED_ACE_TYPE, type Dacl, INHERIT_ONLY_ACE } from "./sd.ts";

export const FILE_READ_DATA = 0x0000_0001;
export const FILE_WRITE_DATA = 0x0000_0002;
export const FILE_EXECUTE = 0x0000_0020;
export const FILE_DELETE_CHILD = 0x0000_0040;
export const FILE_READ_ATTRIBUTES = 0x0000_0080;
export const DELETE = 0x0001_0000;
export const READ_CONTROL = 0x0002_0000;
export const WRITE_DAC = 0x0004_0000;
const GENERIC_ALL = 0x1000_0000;
const GENERIC_EXECUTE = 0x2000_0000;
const GENERIC_WRITE = 0x4000_0000;
const GENERIC_READ = 0x8000_0000;
/** [MS-SMB2] §2.2.13.1.1 FILE_GENERIC_* and the file's standard + specific rights. */
export const FILE_GENERIC_READ = 0x0012_0089;
export const FILE_GENERIC_WRITE = 0x0012_0116;
export const FILE_GENERIC_EXECUTE = 0x0012_00a0;
export const FILE_ALL_ACCESS = 0x001f_01ff;

/** Well-known SIDs ([MS-DTYP] §2.4.2.4). */
export const EVERYONE = "S-1-1-0";
export const CREATOR_OWNER = "S-1-3-0";
export const CREATOR_GROUP = "S-1-3-1";
export const OWNER_RIGHTS = "S-1-3-4";
export const NETWORK = "S-1-5-2";
export const AUTHENTICATED_USERS = "S-1-5-11";

/** Who asks: the user's SID and every group SID of the token (Everyone included). */
export interface Token {
  user: string;
  groups: readonly string[];
}

/** Generic rights in `mask` replaced by the file rights they stand for. */
export function mapGeneric(mask: number): number {
  let m = mask & 0x0fff_ffff;
  if (mask & GENERIC_READ) m |= FILE_GENERIC_READ;
  if (mask & GENERIC_WRITE) m |= FILE_GENERIC_WRITE;
  if (mask & GENERIC_EXECUTE) m |= FILE_GENERIC_EXECUTE;
  if (mask & GENERIC_ALL) m |= FILE_ALL_ACCESS;
  return m >>> 0;
}

/**
 * The rights `dacl` grants `token` on an object owned by `owner` (a SID of the token or not):
 * every file right for a NULL DACL.
 */
export function maximalAccess(dacl: Dacl | null, token: Token, owner: string): number {
  if (dacl === null) return FILE_ALL_ACCESS;
  const isOwner = token.user === owner || token.groups.includes(owner);
  const has = (sid: string) =>
    token.user === sid || token.groups.includes(sid) || (isOwner && sid === OWNER_RIGHTS);
  const effective = dacl.aces.filter((a) => (a.flags & INHERIT_ONLY_ACE) === 0);
  let granted = 0;
  let denied = 0;
  if (isOwner && !effective.some((a) => a.sid === OWNER_RIGHTS)) granted |= READ_CONTROL | WRITE_DAC;
  for (const a of effective) {
    if (!has(a.sid)) continue;
    const mask = mapGeneric(a.mask);
    if (a.type === ACCESS_ALLOWED_ACE_TYPE) granted |= mask & ~denied;
    else denied |= mask & ~granted;
  }
  return (granted & FILE_ALL_ACCESS) >>> 0;
}

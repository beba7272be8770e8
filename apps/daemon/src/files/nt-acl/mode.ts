/**
 * The POSIX mode a file with a stored ACL keeps, for NFS (docs/architecture.md "Security
 * descriptors").
 *
 * The group and other classes get what the DACL grants **every** caller NFS would put in that
 * class (metadata/permissions.ts classBits), so the mode never lets NFS do more than the ACL lets
 * SMB. A caller's token is its Unix SIDs, Everyone, Authenticated Users and Network (posix.ts
 * tokenOf). Per class, a SID is one every such token holds ("always": the owning group's for the
 * group class, the well-known ones), one some may hold ("maybe": a Unix user other than the owner,
 * a Unix group the class does not exclude) or one none holds ("never": the owner's, every SID that
 * is not a Unix or one of those well-known ones). Following [MS-DTYP] §2.5.3.2's first-ACE-decides
 * order, a right is guaranteed when the first ACE naming it that may apply is an allow for an
 * "always" SID: a deny a token may hold withholds it, an allow only some tokens hold decides
 * nothing for the others. A bit stands for every right it lets NFS use: r FILE_READ_DATA
 * (FILE_LIST_DIRECTORY); w FILE_WRITE_DATA|FILE_APPEND_DATA on a file,
 * FILE_ADD_FILE|FILE_ADD_SUBDIRECTORY|FILE_DELETE_CHILD on a directory (w lets NFS remove any
 * entry); x FILE_EXECUTE (FILE_TRAVERSE).
 *
 * The owner class is the closest approximation of the owner's own rights instead (r
 * FILE_READ_DATA, w FILE_WRITE_DATA, x FILE_EXECUTE): the POSIX owner may chmod the file at any
 * time (which replaces the stored ACL), so bits withheld from it would protect nothing, and SMB
 * creates and removes in a directory still meet the directory's mode (reads, writes and listings
 * through an SMB open pass with what the ACL granted it: protocols/smb/calls.ts grantedCall).
 * A directory class with r or w also gets x: Windows grants traversal by privilege
 * (SeChangeNotifyPrivilege, which every user holds), so a DACL never stops a path walk.
 */
import {
  AUTHENTICATED_USERS,
  EVERYONE,
  FILE_ALL_ACCESS,
  FILE_DELETE_CHILD,
  FILE_EXECUTE,
  FILE_READ_DATA,
  FILE_WRITE_DATA,
  mapGeneric,
  maximalAccess,
  NETWORK,
} from "./access.ts";
import { groupSid, unixIdOf, userSid } from "./posix.ts";
import { ACCESS_ALLOWED_ACE_TYPE, type Dacl, INHERIT_ONLY_ACE } from "./sd.ts";

const FILE_APPEND_DATA = 0x0000_0004;

type Holds = "always" | "maybe" | "never";

/** The rights r, w and x stand for, by object type (all of a bit's rights must be granted). */
function bitRights(dir: boolean): readonly [number, number, number] {
  const w = dir ? FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_DELETE_CHILD : FILE_WRITE_DATA | FILE_APPEND_DATA;
  return [FILE_READ_DATA, w, FILE_EXECUTE];
}

/** The rights every token `holds` describes is sure to get from `dacl`. */
export function guaranteedAccess(dacl: Dacl | null, holds: (sid: string) => Holds): number {
  if (dacl === null) return FILE_ALL_ACCESS;
  let decided = 0;
  let granted = 0;
  for (const a of dacl.aces) {
    if (a.flags & INHERIT_ONLY_ACE) continue;
    const mask = mapGeneric(a.mask) & ~decided;
    const h = holds(a.sid);
    if (mask === 0 || h === "never") continue;
    // An allow only some tokens hold: the others go on to the next ACE naming the right.
    if (a.type === ACCESS_ALLOWED_ACE_TYPE && h === "maybe") continue;
    if (a.type === ACCESS_ALLOWED_ACE_TYPE) granted |= mask;
    decided |= mask;
  }
  return granted >>> 0;
}

const WELL_KNOWN: ReadonlySet<string> = new Set([EVERYONE, AUTHENTICATED_USERS, NETWORK]);

/** Who holds a SID in the group and other classes of a file owned by `uid`/`gid`. */
function classes(uid: number, gid: number): ((sid: string) => Holds)[] {
  const owner = userSid(uid);
  const group = groupSid(gid);
  const otherUser = (sid: string) => sid !== owner && unixIdOf(sid, "user") !== null;
  const anyGroup = (sid: string) => unixIdOf(sid, "group") !== null;
  const groupClass = (sid: string): Holds =>
    sid === group || WELL_KNOWN.has(sid) ? "always" : otherUser(sid) || anyGroup(sid) ? "maybe" : "never";
  const otherClass = (sid: string): Holds =>
    WELL_KNOWN.has(sid) ? "always" : otherUser(sid) || (anyGroup(sid) && sid !== group) ? "maybe" : "never";
  return [groupClass, otherClass];
}

/** The rwx bits of `granted`, each bit needing all of its rights in `rights`. */
function bitsOf(granted: number, rights: readonly number[], dir: boolean): number {
  const b = rights.reduce((acc, r, i) => ((granted & r) === r ? acc | (4 >> i) : acc), 0);
  return dir && b & 6 ? b | 1 : b;
}

/** The permission bits (0o777 at most) of the file's classes under `dacl` (see above). */
export function approximateMode(dacl: Dacl | null, a: { uid: number; gid: number; type: string }): number {
  const dir = a.type === "dir";
  const owner = userSid(a.uid);
  const own = maximalAccess(dacl, { user: owner, groups: [...WELL_KNOWN] }, owner);
  const u = bitsOf(own, [FILE_READ_DATA, FILE_WRITE_DATA, FILE_EXECUTE], dir);
  const [g, o] = classes(a.uid, a.gid).map((holds) =>
    bitsOf(guaranteedAccess(dacl, holds), bitRights(dir), dir),
  ) as [number, number];
  return (u << 6) | (g << 3) | o;
}

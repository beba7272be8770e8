/**
 * Who a request runs as (after the share's squash) and what the mode bits let it do. POSIX
 * semantics as Linux nfsd applies them: root bypasses read/write checks but needs some execute bit
 * to execute a file; the owner class is checked first, then the group class (primary or any
 * supplementary AUTH_SYS group), then others — the first matching class decides.
 */
import { FsError } from "../domain/errors.ts";
import type { ShareInfo } from "../domain/share.ts";
import type { InodeRecord } from "./metadata-store.ts";
import {
  ACCESS_DELETE,
  ACCESS_EXECUTE,
  ACCESS_EXTEND,
  ACCESS_LOOKUP,
  ACCESS_MODIFY,
  ACCESS_READ,
  type Caller,
} from "./types.ts";

export const R = 4;
export const W = 2;
export const X = 1;

export const S_ISUID = 0o4000;
export const S_ISGID = 0o2000;
export const S_ISVTX = 0o1000;

/** AUTH_SYS allows 16 supplementary groups; SMB tokens may carry more. Bounded either way. */
export const CALLER_GIDS_MAX = 64;

export interface Identity {
  uid: number;
  gid: number;
  gids: readonly number[];
  /** Caller.aclBits: rwx a stored ACL granted on the object checked, added to its class bits. */
  aclBits?: number;
  /** Caller.aclWriteAttributes: times and DOS attributes of the object may be set as by its owner. */
  aclWriteAttributes?: boolean;
}

/**
 * Applies the share's squash (exports(5)): root_squash maps uid 0 to the anonymous identity and
 * group 0 (primary or supplementary) to the anonymous gid; all_squash maps everyone.
 */
export function effectiveIdentity(share: ShareInfo, caller: Caller): Identity {
  const id = squashed(share, caller);
  if (!caller.aclBits && !caller.aclWriteAttributes) return id;
  return { ...id, aclBits: caller.aclBits, aclWriteAttributes: caller.aclWriteAttributes };
}

/**
 * Nothing is allocated when nothing is squashed (every READ and WRITE asks): the caller itself
 * is its identity then (an Identity is never changed in place).
 */
function squashed(share: ShareInfo, caller: Caller): Identity {
  if (share.squash === "all_squash") return { uid: share.anonUid, gid: share.anonGid, gids: [] };
  const over = caller.gids.length > CALLER_GIDS_MAX;
  const gids = over ? caller.gids.slice(0, CALLER_GIDS_MAX) : caller.gids;
  if (share.squash === "root_squash") {
    if (caller.uid === 0) return { uid: share.anonUid, gid: share.anonGid, gids: [] };
    if (caller.gid !== 0 && !gids.includes(0))
      return over ? { uid: caller.uid, gid: caller.gid, gids } : caller;
    const squashGid = (g: number) => (g === 0 ? share.anonGid : g);
    return { uid: caller.uid, gid: squashGid(caller.gid), gids: gids.map(squashGid) };
  }
  return over ? { uid: caller.uid, gid: caller.gid, gids } : caller;
}

/** uid/gid values on the wire are uint32. */
export function validId(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 0xffffffff;
}

export function inGroup(id: Identity, gid: number): boolean {
  return id.gid === gid || id.gids.includes(gid);
}

/** The rwx bits (0–7) of the class the identity falls in. */
export function classBits(id: Identity, inode: Readonly<InodeRecord>): number {
  if (id.uid === inode.uid) return (inode.mode >> 6) & 7;
  if (inGroup(id, inode.gid)) return (inode.mode >> 3) & 7;
  return inode.mode & 7;
}

export function mayAccess(id: Identity, inode: Readonly<InodeRecord>, want: number): boolean {
  if (id.uid === 0) {
    if ((want & X) === 0 || inode.type === "dir") return true;
    return (inode.mode & 0o111) !== 0;
  }
  return ((classBits(id, inode) | (id.aclBits ?? 0)) & want) === want;
}

export function requireAccess(id: Identity, inode: Readonly<InodeRecord>, want: number): void {
  if (!mayAccess(id, inode, want)) throw new FsError("EACCES");
}

export function isOwnerOrRoot(id: Identity, inode: Readonly<InodeRecord>): boolean {
  return id.uid === 0 || id.uid === inode.uid;
}

/**
 * Sticky directories (mode 01000): only the owner of the entry, the owner of the directory or
 * root may remove or rename an entry (POSIX unlink/rename EPERM).
 */
export function requireStickyOk(
  id: Identity,
  dir: Readonly<InodeRecord>,
  victim: Readonly<InodeRecord>,
): void {
  if ((dir.mode & S_ISVTX) === 0 || id.uid === 0) return;
  if (id.uid === victim.uid || id.uid === dir.uid) return;
  throw new FsError("EPERM", "sticky directory");
}

/** RFC 1813 §3.3.4 ACCESS: the granted subset of `mask`. */
export function accessMask(
  id: Identity,
  inode: Readonly<InodeRecord>,
  mask: number,
  readOnly: boolean,
): number {
  let granted = 0;
  if (mayAccess(id, inode, R)) granted |= ACCESS_READ;
  const writable = !readOnly && mayAccess(id, inode, W);
  if (writable) granted |= ACCESS_MODIFY | ACCESS_EXTEND;
  if (inode.type === "dir") {
    if (mayAccess(id, inode, X)) granted |= ACCESS_LOOKUP;
    if (writable) granted |= ACCESS_DELETE;
  } else if (mayAccess(id, inode, X)) {
    granted |= ACCESS_EXECUTE;
  }
  return granted & mask;
}

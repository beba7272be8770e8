/**
 * The DACL a new file or directory inherits from its parent's ([MS-DTYP] §2.5.3.4
 * CreateSecurityDescriptor / ComputeACL, simplified to what a file system needs): a file takes
 * the parent's OBJECT_INHERIT ACEs, a directory its CONTAINER_INHERIT ACEs (and keeps
 * OBJECT_INHERIT-only ones as inherit-only, to pass on to its files). NO_PROPAGATE_INHERIT stops
 * an ACE after this child. Inherited ACEs are marked INHERITED_ACE when the parent's DACL is
 * SE_DACL_AUTO_INHERITED (the AutoInherit of §2.5.3.4; smb2.acls INHERITANCE expects no mark on
 * a parent without it). CREATOR OWNER and
 * CREATOR GROUP become the new object's owner and group (a directory keeps an inherit-only copy
 * with the creator SID for its own children), and generic rights of an effective ACE are mapped.
 * Null when the parent has nothing inheritable for this kind of child (the child then gets the
 * default, mode-derived security).
 */
import { CREATOR_GROUP, CREATOR_OWNER, mapGeneric } from "./access.ts";
import {
  type Ace,
  CONTAINER_INHERIT_ACE,
  type Dacl,
  INHERIT_ONLY_ACE,
  INHERITED_ACE,
  NO_PROPAGATE_INHERIT_ACE,
  OBJECT_INHERIT_ACE,
  SE_DACL_AUTO_INHERITED,
} from "./sd.ts";

const INHERIT_FLAGS =
  OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE | NO_PROPAGATE_INHERIT_ACE | INHERIT_ONLY_ACE | INHERITED_ACE;

function forChild(a: Ace, isDir: boolean, owner: string, group: string, mark: number): Ace[] {
  const oi = (a.flags & OBJECT_INHERIT_ACE) !== 0;
  const ci = (a.flags & CONTAINER_INHERIT_ACE) !== 0;
  const noPropagate = (a.flags & NO_PROPAGATE_INHERIT_ACE) !== 0;
  const base = a.flags & ~INHERIT_FLAGS;
  if (!isDir) {
    if (!oi) return [];
    return [effective(a, base | mark, owner, group)];
  }
  if (!ci) {
    // An object-inherit ACE passes through a directory to its files, granting nothing here.
    if (!oi || noPropagate) return [];
    return [{ ...a, flags: base | mark | OBJECT_INHERIT_ACE | INHERIT_ONLY_ACE }];
  }
  if (noPropagate) return [effective(a, base | mark, owner, group)];
  const keep = base | mark | (a.flags & (OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE));
  const creator = a.sid === CREATOR_OWNER || a.sid === CREATOR_GROUP;
  if (!creator && a.mask === mapGeneric(a.mask)) return [{ ...a, flags: keep }];
  // The ACE as it applies here, and an inherit-only copy passing the original on.
  return [effective(a, base | mark, owner, group), { ...a, flags: keep | INHERIT_ONLY_ACE }];
}

function effective(a: Ace, flags: number, owner: string, group: string): Ace {
  const sid = a.sid === CREATOR_OWNER ? owner : a.sid === CREATOR_GROUP ? group : a.sid;
  return { type: a.type, flags, mask: mapGeneric(a.mask), sid };
}

/** The inherited DACL of a new child owned by `owner`/`group`, or null when none is inherited. */
export function inheritDacl(parent: Dacl | null, isDir: boolean, owner: string, group: string): Dacl | null {
  if (parent === null) return null;
  const id = parent.control & SE_DACL_AUTO_INHERITED ? INHERITED_ACE : 0;
  const aces = parent.aces.flatMap((a) => forChild(a, isDir, owner, group, id));
  if (aces.length === 0) return null;
  return { control: parent.control & SE_DACL_AUTO_INHERITED, aces };
}

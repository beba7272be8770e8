/**
 * Windows security for every protocol that speaks it (SMB QUERY/SET_INFO security, the CREATE
 * "SecD" context, CREATE's access check): a file's descriptor is its stored ACL when it has one
 * (metadata/ops/acl.ts), else the one its owner, group and mode show (nt-acl/posix.ts). Any DACL
 * a client sets is stored as given (generic rights mapped), with the mode set to its closest
 * POSIX approximation for NFS; a Unix SID as owner or group is a chown, any other SID is kept in
 * the stored descriptor for display (the owner's implicit rights stay the POSIX owner's). With a
 * stored ACL, the [MS-DTYP] §2.5.3.2 access check over it decides what an open may have
 * (docs/architecture.md "Security descriptors").
 */
import { FsError } from "../domain/errors.ts";
import { effectiveIdentity, W, X } from "../metadata/permissions.ts";
import {
  ACCESS_LOOKUP,
  ACCESS_MODIFY,
  type FileAttr,
  type MetadataService,
  type RenameGrants,
} from "../metadata/types.ts";
import { MODIFIED } from "./changes.ts";
import type { DataDeps } from "./data.ts";
import {
  DELETE,
  FILE_ALL_ACCESS,
  FILE_DELETE_CHILD,
  FILE_READ_ATTRIBUTES,
  FILE_READ_DATA,
  mapGeneric,
  maximalAccess,
} from "./nt-acl/access.ts";
import { inheritDacl } from "./nt-acl/inherit.ts";

const FILE_ADD_FILE = 0x0000_0002;
const FILE_ADD_SUBDIRECTORY = 0x0000_0004;

import { approximateMode } from "./nt-acl/mode.ts";
import { groupSid, modeDacl, tokenOf, unixIdOf, userSid } from "./nt-acl/posix.ts";
import {
  type Dacl,
  decodeSd,
  encodeSd,
  INHERIT_ONLY_ACE,
  SE_DACL_AUTO_INHERIT_REQ,
  SE_DACL_AUTO_INHERITED,
  SE_DACL_PROTECTED,
  type SecurityDescriptor,
} from "./nt-acl/sd.ts";
import { setattr } from "./setattr.ts";
import type { FileCall, SetAttrRequest } from "./types.ts";

interface SecurityDeps {
  metadata: MetadataService;
}

/** What a SET_INFO security (or SecD) changes; an undefined part stays, `dacl: null` is a NULL DACL. */
export interface SecurityChange {
  owner?: string;
  group?: string;
  dacl?: Dacl | null;
}

async function stored(d: SecurityDeps, handle: Buffer): Promise<SecurityDescriptor | null> {
  const bytes = await d.metadata.acl(handle);
  if (bytes === null) return null;
  try {
    return decodeSd(bytes);
  } catch {
    throw new FsError("EIO", "stored ACL unreadable");
  }
}

/** The file's descriptor: owner, group and DACL, stored or shown from the mode. */
export async function security(d: SecurityDeps, f: FileCall): Promise<SecurityDescriptor> {
  const [attr, sd] = await Promise.all([d.metadata.getattr(f.handle), stored(d, f.handle)]);
  return {
    owner: sd?.owner ?? userSid(attr.uid),
    group: sd?.group ?? groupSid(attr.gid),
    dacl: sd ? (sd.dacl ?? null) : modeDacl(attr),
  };
}

/**
 * A DACL as it is stored ([MS-DTYP] §2.4.6, as smb2.acls GENERIC and INHERITFLAGS read it back):
 * generic rights of the ACEs that apply to the file mapped; SE_DACL_AUTO_INHERIT_REQ never kept,
 * SE_DACL_AUTO_INHERITED only when asked with it, SE_DACL_PROTECTED as given.
 */
function normalized(dacl: Dacl | null | undefined): Dacl | null {
  if (dacl === undefined || dacl === null) return null;
  const aces = dacl.aces.map((a) => (a.flags & INHERIT_ONLY_ACE ? a : { ...a, mask: mapGeneric(a.mask) }));
  const auto = SE_DACL_AUTO_INHERITED | SE_DACL_AUTO_INHERIT_REQ;
  const control =
    (dacl.control & SE_DACL_PROTECTED) | ((dacl.control & auto) === auto ? SE_DACL_AUTO_INHERITED : 0);
  return { control, aces };
}

/**
 * Applies `c`: Unix SIDs chown through setattr (POSIX rules: EPERM), then the descriptor is
 * stored with the mode its DACL approximates (owner or root only: EPERM). A file without a
 * stored ACL whose change is only a chown stays without one.
 */
export async function setSecurity(d: DataDeps, f: FileCall, c: SecurityChange): Promise<FileAttr> {
  let attr = await d.metadata.getattr(f.handle);
  const sd = await stored(d, f.handle);
  let owner = sd?.owner ?? null;
  let group = sd?.group ?? null;
  const uid = c.owner === undefined ? undefined : unixIdOf(c.owner, "user");
  const gid = c.group === undefined ? undefined : unixIdOf(c.group, "group");
  if (c.owner !== undefined) owner = uid === null ? c.owner : null;
  if (c.group !== undefined) group = gid === null ? c.group : null;
  const chown = { ...(uid != null ? { uid } : {}), ...(gid != null ? { gid } : {}) };
  if (Object.keys(chown).length > 0) attr = (await setattrKeepingAcl(d, f, { attrs: chown })).after;
  if (sd === null && c.dacl === undefined && owner === null && group === null) return attr;
  const dacl = c.dacl !== undefined ? normalized(c.dacl) : sd ? (sd.dacl ?? null) : modeDacl(attr);
  const mode = approximateMode(dacl, attr);
  const after = await d.metadata.setAcl(f.caller, f.handle, encodeSd({ owner, group, dacl }), mode);
  d.changes.modified({
    share: f.share.name,
    handle: f.handle,
    fileid: after.fileid,
    changed: MODIFIED.security,
  });
  return after;
}

/**
 * SETATTR for every protocol (files/setattr.ts), keeping the mode of a stored ACL safe across a
 * chown: that mode depends on the file's owner and group (nt-acl/mode.ts), so a new uid or gid
 * first narrows it to the bits both the old and the new owner and group allow, then sets the new
 * owner's; NFS never sees a mode granting more than the ACL in between. A chmod replaces the ACL
 * (metadata/ops/setattr.ts) and takes the plain path.
 */
export async function setattrKeepingAcl(d: DataDeps, f: FileCall, s: SetAttrRequest) {
  const { uid, gid, mode } = s.attrs;
  const chown = uid !== undefined || gid !== undefined;
  const bytes = chown && mode === undefined && f.stream === undefined ? await d.metadata.acl(f.handle) : null;
  if (bytes === null) return setattr(d, f, s);
  const dacl = (await stored(d, f.handle))?.dacl ?? null;
  const attr = await d.metadata.getattr(f.handle);
  const next = { uid: uid ?? attr.uid, gid: gid ?? attr.gid, type: attr.type };
  // As the caller: setAcl needs the owner or root, as the chown itself does (EPERM otherwise).
  await d.metadata.setAcl(
    f.caller,
    f.handle,
    bytes,
    approximateMode(dacl, attr) & approximateMode(dacl, next),
  );
  const r = await setattr(d, f, s).catch(async (e: unknown) => {
    await d.metadata.setAcl(f.caller, f.handle, bytes, approximateMode(dacl, attr));
    throw e;
  });
  const after = await d.metadata.setAcl(f.caller, f.handle, bytes, approximateMode(dacl, r.after));
  return { before: r.before, after };
}

/**
 * A new file or directory under `parent` takes the DACL the parent's stored ACL passes on
 * (nt-acl/inherit.ts); nothing when the parent has none or nothing inheritable.
 */
export async function inherit(
  d: SecurityDeps,
  f: FileCall,
  parent: Buffer,
  made: FileAttr,
): Promise<FileAttr> {
  const from = await stored(d, parent);
  if (from === null) return made;
  const owner = userSid(made.uid);
  const dacl = inheritDacl(from.dacl ?? null, made.type === "dir", owner, groupSid(made.gid));
  if (dacl === null) return made;
  const mode = approximateMode(dacl, made);
  return d.metadata.setAcl(f.caller, f.handle, encodeSd({ owner: null, group: null, dacl }), mode);
}

/**
 * The maximal access the caller has on the file `f` (attributes `attr`, in directory `parent`)
 * by its stored ACL, or null when it has none (the mode decides). Root has every right, as with
 * mode bits. [MS-FSA] §2.1.5.1.2.1: DELETE also comes from the parent's FILE_DELETE_CHILD and
 * FILE_READ_ATTRIBUTES from its FILE_LIST_DIRECTORY.
 */
export async function storedAccess(
  d: SecurityDeps,
  f: FileCall,
  attr: FileAttr,
  parent: Buffer | null,
): Promise<number | null> {
  const sd = await stored(d, f.handle);
  if (sd === null) return null;
  const id = effectiveIdentity(f.share, f.caller);
  if (id.uid === 0) return FILE_ALL_ACCESS;
  let granted = maximalAccess(sd.dacl ?? null, tokenOf(id), userSid(attr.uid));
  if (parent !== null) granted |= await parentGrants(d, { ...f, handle: parent });
  return granted >>> 0;
}

export type DeleteGrant = "acl" | "mode" | "denied";

/**
 * How DELETE stands for the caller on the file `f` (attributes `attr`) in directory `parent`
 * ([MS-FSA] §2.1.5.1.2.1: the file's security grants DELETE or the parent's FILE_DELETE_CHILD):
 * "acl" when a stored ACL grants it, the file's DELETE or its directory's FILE_DELETE_CHILD (the
 * unlink then passes the directory's mode, which only approximates that ACL); "denied" when the
 * directory's ACL withholds FILE_DELETE_CHILD and the file's grants no DELETE, or the file's ACL
 * withholds DELETE in a directory without one whose mode gives the caller no write and search;
 * "mode" otherwise (the directory's mode, sticky bit included, decides at unlink). Root: "acl".
 */
export async function deleteGrant(
  d: SecurityDeps,
  f: FileCall,
  attr: FileAttr,
  parent: Buffer | null,
): Promise<DeleteGrant> {
  const id = effectiveIdentity(f.share, f.caller);
  if (id.uid === 0) return "acl";
  const [own, dir] = await Promise.all([stored(d, f.handle), parent ? stored(d, parent) : null]);
  if (own !== null && maximalAccess(own.dacl ?? null, tokenOf(id), userSid(attr.uid)) & DELETE) return "acl";
  if (dir !== null) {
    const dirAttr = await d.metadata.getattr(parent!);
    const rights = maximalAccess(dir.dacl ?? null, tokenOf(id), userSid(dirAttr.uid));
    return rights & FILE_DELETE_CHILD ? "acl" : "denied";
  }
  if (own === null || parent === null) return "mode";
  const want = ACCESS_MODIFY | ACCESS_LOOKUP;
  const { granted } = await d.metadata.access(f.caller, parent, want);
  return granted === want ? "mode" : "denied";
}

/**
 * The mode bits (W|X) an entry added to directory `dir` (a create, a rename's arrival) passes its
 * mode check with, by the directory's stored ACL ([MS-FSA] §2.1.5.1.1): W|X when it grants the
 * caller FILE_ADD_FILE (FILE_ADD_SUBDIRECTORY for a directory); EACCES when it does not, whatever
 * the mode (NFS's approximation, which may give the owner class w for FILE_ADD_FILE alone) says,
 * as Windows and Samba (check_parent_access) refuse; 0 when the directory has none (the mode
 * decides). Root has every right.
 */
export async function createGrant(d: SecurityDeps, dir: FileCall, isDir: boolean): Promise<number> {
  const sd = await stored(d, dir.handle);
  if (sd === null) return 0;
  const id = effectiveIdentity(dir.share, dir.caller);
  if (id.uid === 0) return W | X;
  const attr = await d.metadata.getattr(dir.handle);
  const rights = maximalAccess(sd.dacl ?? null, tokenOf(id), userSid(attr.uid));
  if (!(rights & (isDir ? FILE_ADD_SUBDIRECTORY : FILE_ADD_FILE))) {
    throw new FsError("EACCES", `stored ACL withholds FILE_ADD_${isDir ? "SUBDIRECTORY" : "FILE"}`);
  }
  return W | X;
}

/** How an SMB rename stands with stored ACLs (files/names.ts rename). */
export interface RenameAcl {
  /** A stored ACL granted the renaming open DELETE. */
  deleteGranted: boolean;
  /** The object renamed is a directory (the target directory must grant FILE_ADD_SUBDIRECTORY). */
  isDir: boolean;
}

/**
 * What stored ACLs grant an SMB rename ([MS-SMB2] §3.3.5.21.1: DELETE on the open, FILE_ADD_FILE
 * or FILE_ADD_SUBDIRECTORY on the target directory): the open's ACL-granted DELETE stands for
 * the source directory's W|X, as for a delete on close ([MS-FSA] §2.1.5.1.2.1), and for a moved
 * directory's W (its ".."); the target directory's stored ACL decides the arrival as it decides
 * a create (createGrant, which refuses what it withholds).
 */
export async function renameGrants(d: SecurityDeps, toDir: FileCall, a: RenameAcl): Promise<RenameGrants> {
  const to = await createGrant(d, toDir, a.isDir);
  return a.deleteGranted ? { from: W | X, to, moved: W } : { to };
}

/**
 * The mode bit (X) a lookup in directory `dir` passes its mode check with: a directory with a
 * stored ACL is traversed whatever it grants, as Windows users traverse by privilege
 * (SeChangeNotifyPrivilege); 0 without one (the mode decides).
 */
export async function traverseGrant(d: SecurityDeps, dir: FileCall): Promise<number> {
  return (await stored(d, dir.handle)) === null ? 0 : X;
}

async function parentGrants(d: SecurityDeps, dir: FileCall): Promise<number> {
  const sd = await stored(d, dir.handle);
  // Without a stored ACL the parent's mode decides at unlink time (POSIX), as for every
  // mode-only file: the open may ask for DELETE and FILE_READ_ATTRIBUTES.
  if (sd === null) return DELETE | FILE_READ_ATTRIBUTES;
  const attr = await d.metadata.getattr(dir.handle);
  const id = effectiveIdentity(dir.share, dir.caller);
  const rights =
    id.uid === 0 ? FILE_ALL_ACCESS : maximalAccess(sd.dacl ?? null, tokenOf(id), userSid(attr.uid));
  return (rights & FILE_DELETE_CHILD ? DELETE : 0) | (rights & FILE_READ_DATA ? FILE_READ_ATTRIBUTES : 0);
}

/**
 * Operations on directory entries, for every protocol (NFS REMOVE/RMDIR/RENAME/LINK, SMB
 * SET_INFO rename/link, SMB delete-on-close through close.ts): one metadata transaction each.
 * The payload of a file whose last link goes is deleted after that transaction commits, never
 * before, so a failed remove cannot leave a name without its data; then the orphan's inode record
 * goes (orphans.ts).
 */
import { W, X } from "../metadata/permissions.ts";
import type { DirChangeResult, FileAttr, WccAttr } from "../metadata/types.ts";
import { added, type DirChangeEvent } from "./changes.ts";
import type { DataDeps } from "./data.ts";
import { createGrant, type RenameAcl, renameGrants } from "./security.ts";
import type { FileCall } from "./types.ts";

export interface RenameResult {
  fromBefore: WccAttr;
  fromAfter: FileAttr;
  toBefore: WccAttr;
  toAfter: FileAttr;
}

export interface LinkResult {
  attr: FileAttr;
  dirBefore: WccAttr;
  dirAfter: FileAttr;
}

export async function remove(d: DataDeps, dir: FileCall, name: string): Promise<DirChangeResult> {
  const { caller, handle } = dir;
  await d.changes.gate({ kind: "remove", caller, share: dir.share, dir: handle, name });
  const removing = d.metadata.remove(caller, handle, name).then(async ({ dirBefore, dirAfter, orphan }) => {
    await d.orphans.reap(dir.share.name, orphan);
    return { dirBefore, dirAfter };
  });
  return d.changes.told(removing, [removed(dir, handle, name, false)]);
}

export function rmdir(d: DataDeps, dir: FileCall, name: string): Promise<DirChangeResult> {
  const removing = d.metadata.rmdir(dir.caller, dir.handle, name);
  return d.changes.told(removing, [removed(dir, dir.handle, name, true)]);
}

function removed(f: FileCall, dir: Buffer, name: string, isDir: boolean | null): DirChangeEvent {
  return { action: "removed", share: f.share.name, dir, name, isDir };
}

/**
 * `toDir` must be in the share of `from` (EXDEV otherwise: the metadata service checks it). With
 * `acl` (SMB) stored ACLs decide as well as the modes (security.ts renameGrants).
 */
export async function rename(
  d: DataDeps,
  from: FileCall,
  fromName: string,
  toDir: Buffer,
  toName: string,
  acl?: RenameAcl,
): Promise<RenameResult> {
  const { caller, share } = from;
  const grants = acl ? await renameGrants(d, { ...from, handle: toDir }, acl) : {};
  await d.changes.gate({ kind: "rename", caller, share, dir: from.handle, name: fromName });
  // The file a rename replaces goes away as if removed.
  await d.changes.gate({ kind: "remove", caller, share, dir: toDir, name: toName });
  const same = from.handle.equals(toDir);
  const renaming = d.metadata
    .rename(caller, from.handle, fromName, toDir, toName, grants)
    .then(async ({ orphan, ...result }) => {
      await d.orphans.reap(share.name, orphan);
      return result;
    });
  return d.changes.told(renaming, [
    {
      action: same ? "renamed-old" : "removed",
      share: share.name,
      dir: from.handle,
      name: fromName,
      isDir: null,
    },
    { action: same ? "renamed-new" : "added", share: share.name, dir: toDir, name: toName, isDir: null },
  ]);
}

export interface LinkRequest {
  /** The file to give another name. */
  file: Buffer;
  name: string;
  /**
   * The name exists as another file and goes first ([MS-FSCC] §2.4.21.2 ReplaceIfExists, after
   * the protocol checked nothing holds it open); NFS LINK never replaces (RFC 1813 §3.3.15 EXIST).
   */
  replace?: boolean;
  /** SMB: the directory's stored ACL decides as for a create (FILE_ADD_FILE), not only its mode. */
  acl?: boolean;
  /**
   * SMB: a stored ACL granted the caller DELETE on the file `replace` removes, its own or its
   * directory's FILE_DELETE_CHILD (security.ts deleteGrant "acl"): the removal passes the
   * directory's mode, which only approximates that ACL.
   */
  replaceAcl?: boolean;
}

export async function link(d: DataDeps, dir: FileCall, l: LinkRequest): Promise<LinkResult> {
  // SMB: the directory's stored ACL decides the new entry as it decides a create (createGrant),
  // asked before a replaced file goes.
  const grant = l.acl ? await createGrant(d, dir, false) : 0;
  if (l.replace)
    await remove(d, l.replaceAcl ? { ...dir, caller: { ...dir.caller, aclBits: W | X } } : dir, l.name);
  const caller = grant === 0 ? dir.caller : { ...dir.caller, aclBits: grant };
  return d.changes.told(d.metadata.link(caller, l.file, dir.handle, l.name), [added(dir, l.name, false)]);
}

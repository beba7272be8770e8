/**
 * A file's stored ACL: a Windows security descriptor kept, when a POSIX mode cannot express
 * what an SMB client set, as the named attribute (kind "acl", name "nt") of the inode — opaque
 * bytes here, parsed and checked by the file service (files/security.ts). Setting it sets the
 * mode to the approximation the file service computed in the same transaction, so NFS sees the
 * closest mode; a chmod (ops/setattr.ts) removes it, as Samba drops an NT ACL whose POSIX ACL
 * changed underneath. It goes with the inode like every named attribute
 * (docs/architecture.md "Security descriptors").
 */
import { FsError } from "../../domain/errors.ts";
import { mustExist, type ServiceCore } from "../core.ts";
import type { MetadataTx } from "../metadata-store.ts";
import { isOwnerOrRoot } from "../permissions.ts";
import type { Caller, FileAttr } from "../types.ts";

/** The largest stored descriptor: an ACL's 16-bit AclSize, the header and two SIDs. */
export const ACL_BYTES_MAX = 65_536 + 20 + 2 * 68;
const KIND = "acl";
const NAME = "nt";

/** The stored ACL of the file, or null when its mode is the whole truth. */
export async function storedAcl(core: ServiceCore, handle: Buffer): Promise<Buffer | null> {
  const t = core.target(handle);
  return t.share.store.transaction(async (tx) => {
    mustExist(await tx.getInode(t.id), t.share);
    return (await tx.getNamedAttr(t.id, KIND, NAME)) ?? null;
  });
}

/** Drops the stored ACL of inode `id`, if it has one (inside the caller's transaction). */
export async function dropAcl(tx: MetadataTx, id: bigint): Promise<void> {
  if ((await tx.getNamedAttr(id, KIND, NAME)) !== undefined) await tx.deleteNamedAttr(id, KIND, NAME);
}

/**
 * Stores `acl` (null: removes it) and sets the permission bits to `mode` (set-id and sticky
 * bits kept), bumping ctime, as the owner or root (EPERM otherwise, as chmod); EINVAL past
 * ACL_BYTES_MAX.
 */
export async function setAcl(
  core: ServiceCore,
  caller: Caller,
  handle: Buffer,
  acl: Buffer | null,
  mode: number,
): Promise<FileAttr> {
  if (acl !== null && acl.length > ACL_BYTES_MAX) throw new FsError("EINVAL", "ACL too large");
  const t = core.target(handle);
  core.requireWritable(t.share);
  const id = core.identity(t.share, caller);
  const next = await t.share.store.transaction(async (tx) => {
    await tx.lock([t.id]);
    const rec = mustExist(await tx.getInode(t.id), t.share);
    if (!isOwnerOrRoot(id, rec)) throw new FsError("EPERM", "not owner");
    if (acl === null) await dropAcl(tx, t.id);
    else await tx.putNamedAttr(t.id, KIND, NAME, acl);
    const updated = { ...rec, mode: (rec.mode & 0o7000) | (mode & 0o777), ctime: core.clock.now() };
    await tx.updateInode(updated);
    return updated;
  });
  return core.attr(t.share, next);
}

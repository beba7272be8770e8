/** Read-only operations: lookup, access, readlink (GETATTR lives in the service: it revalidates). */
import { FsError } from "../../domain/errors.ts";
import { requireDir, type ServiceCore } from "../core.ts";
import { validateLookupName } from "../names.ts";
import { accessMask, requireAccess, X } from "../permissions.ts";
import type { Caller, LookupResult } from "../types.ts";

/** RFC 1813 §3.3.3: needs search (x) permission on the directory; `.` and `..` resolve here. */
export async function lookup(
  core: ServiceCore,
  caller: Caller,
  dir: Buffer,
  name: string,
): Promise<LookupResult> {
  validateLookupName(name);
  const t = core.target(dir);
  const share = t.share;
  const dirRec = await core.load(t);
  requireDir(dirRec);
  requireAccess(core.identity(share, caller), dirRec, X);
  let childId: bigint;
  if (name === ".") childId = dirRec.id;
  else if (name === "..") childId = dirRec.parent;
  else {
    const entry = await share.store.getEntry(dirRec.id, name);
    if (entry === undefined) throw new FsError("ENOENT", name);
    childId = entry.child;
  }
  const child = await share.store.getInode(childId);
  if (child === undefined) throw new FsError("ENOENT", name);
  return { handle: core.handleOf(share, child.id), attr: core.attr(share, child) };
}

export async function access(
  core: ServiceCore,
  caller: Caller,
  handle: Buffer,
  mask: number,
): Promise<number> {
  const t = core.target(handle);
  const rec = await core.load(t);
  return accessMask(core.identity(t.share, caller), rec, mask, t.share.info.readOnly);
}

/** Linux does not check permission bits on readlink; neither do we. */
export async function readlink(core: ServiceCore, _caller: Caller, handle: Buffer): Promise<string> {
  const rec = await core.load(core.target(handle));
  if (rec.type !== "symlink" || rec.target === null) throw new FsError("EINVAL", "not a symlink");
  return rec.target;
}

/** Read-only operations: lookup, access, readlink (GETATTR lives in the service: it revalidates). */
import { FsError } from "../../domain/errors.ts";
import { type Rec, requireDir, type ServiceCore, type ShareState } from "../core.ts";
import { findFolded } from "../folded-names.ts";
import type { EntryRecord } from "../metadata-store.ts";
import { validateLookupName } from "../names.ts";
import { accessMask, requireAccess, X } from "../permissions.ts";
import type { Caller, FileAttr, LookupResult } from "../types.ts";

/** RFC 1813 §3.3.3: needs search (x) permission on the directory; `.` and `..` resolve here. */
export async function lookup(
  core: ServiceCore,
  caller: Caller,
  dir: Buffer,
  name: string,
): Promise<LookupResult> {
  const { found } = await find(core, caller, dir, name);
  return found;
}

/** `lookup` with the directory's attributes from the same load (NFS LOOKUP's dir_attributes). */
export async function lookupWithDir(
  core: ServiceCore,
  caller: Caller,
  dir: Buffer,
  name: string,
): Promise<LookupResult & { dirAttr: FileAttr }> {
  const { found, share, dirRec } = await find(core, caller, dir, name);
  return { handle: found.handle, attr: found.attr, dirAttr: core.attr(share, dirRec) };
}

/**
 * `lookup` that matches names case-insensitively when no name matches exactly (SMB,
 * metadata/folded-names.ts), with the name as stored.
 */
export async function lookupCaseless(
  core: ServiceCore,
  caller: Caller,
  dir: Buffer,
  name: string,
): Promise<LookupResult & { name: string }> {
  let stored = name;
  const { found } = await find(core, caller, dir, name, async (share, dirRec) => {
    const key = `${share.keyHex}:${share.store.epoch}:${dirRec.id}`;
    const m = await findFolded(core.folded, { store: share.store, key, rec: dirRec }, name);
    stored = m.name;
    return m.entry;
  });
  return { ...found, name: stored };
}

/** The entry to use when none is named `name` exactly (by default none: ENOENT). */
type Miss = (share: ShareState, dirRec: Rec, name: string) => Promise<EntryRecord>;

const notFound: Miss = (_share, _dir, name) => Promise.reject(new FsError("ENOENT", name));

async function find(core: ServiceCore, caller: Caller, dir: Buffer, name: string, miss: Miss = notFound) {
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
    const entry = (await share.store.getEntry(dirRec.id, name)) ?? (await miss(share, dirRec, name));
    childId = entry.child;
  }
  const child = await share.store.getInode(childId);
  if (child === undefined) throw new FsError("ENOENT", name);
  const found: LookupResult = { handle: core.handleOf(share, child.id), attr: core.attr(share, child) };
  return { found, share, dirRec };
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

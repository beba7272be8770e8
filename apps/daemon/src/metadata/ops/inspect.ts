/** Read-only operations: lookup, access, readlink (GETATTR lives in the service: it revalidates). */
import { FsError } from "../../domain/errors.ts";
import { isPending } from "../../domain/pending.ts";
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

/**
 * `lookup` with the directory's attributes from the same load (NFS LOOKUP's dir_attributes). No
 * async frame: an already settled promise when the store answers synchronously (core.loadNow).
 */
export function lookupWithDir(
  core: ServiceCore,
  caller: Caller,
  dir: Buffer,
  name: string,
): Promise<LookupResult & { dirAttr: FileAttr }> {
  try {
    const got = findNow(core, caller, dir, name, notFound);
    if (isPending(got)) return got.then((f) => withDir(core, f));
    return Promise.resolve(withDir(core, got));
  } catch (e) {
    return Promise.reject(e);
  }
}

function withDir(core: ServiceCore, { found, share, dirRec }: Found): LookupResult & { dirAttr: FileAttr } {
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

interface Found {
  found: LookupResult;
  share: ShareState;
  dirRec: Rec;
}

function find(
  core: ServiceCore,
  caller: Caller,
  dir: Buffer,
  name: string,
  miss: Miss = notFound,
): Promise<Found> {
  try {
    const got = findNow(core, caller, dir, name, miss);
    return isPending(got) ? got : Promise.resolve(got);
  } catch (e) {
    return Promise.reject(e);
  }
}

/** find's answer itself while the store answers synchronously; failures then throw. */
function findNow(
  core: ServiceCore,
  caller: Caller,
  dir: Buffer,
  name: string,
  miss: Miss,
): Found | Promise<Found> {
  validateLookupName(name);
  const t = core.target(dir);
  const dirRec = core.loadNow(t);
  if (isPending(dirRec)) return dirRec.then((r) => findIn(core, caller, t.share, r, name, miss));
  return findIn(core, caller, t.share, dirRec, name, miss);
}

function findIn(
  core: ServiceCore,
  caller: Caller,
  share: ShareState,
  dirRec: Rec,
  name: string,
  miss: Miss,
): Found | Promise<Found> {
  requireDir(dirRec);
  requireAccess(core.identity(share, caller), dirRec, X);
  if (name === ".") return childOf(core, share, dirRec, name, dirRec.id);
  if (name === "..") return childOf(core, share, dirRec, name, dirRec.parent);
  const entry = share.store.getEntry(dirRec.id, name);
  if (entry !== undefined && !isPending(entry)) return childOf(core, share, dirRec, name, entry.child);
  if (entry === undefined && miss === notFound) throw new FsError("ENOENT", name);
  const named = isPending(entry)
    ? entry.then((e) => e ?? miss(share, dirRec, name))
    : miss(share, dirRec, name);
  return named.then((e) => childOf(core, share, dirRec, name, e.child));
}

function childOf(
  core: ServiceCore,
  share: ShareState,
  dirRec: Rec,
  name: string,
  childId: bigint,
): Found | Promise<Found> {
  const child = share.store.getInode(childId);
  if (isPending(child)) return child.then((c) => foundChild(core, share, dirRec, name, c));
  return foundChild(core, share, dirRec, name, child);
}

function foundChild(
  core: ServiceCore,
  share: ShareState,
  dirRec: Rec,
  name: string,
  child: Rec | undefined,
): Found {
  if (child === undefined) throw new FsError("ENOENT", name);
  return { found: { handle: core.handleOf(share, child.id), attr: core.attr(share, child) }, share, dirRec };
}

/** One load for the answer and the attributes; settled at once over a synchronous store. */
export function access(
  core: ServiceCore,
  caller: Caller,
  handle: Buffer,
  mask: number,
): Promise<{ granted: number; attr: FileAttr }> {
  return core.settle(handle, (share, rec) => ({
    granted: accessMask(core.identity(share, caller), rec, mask, share.info.readOnly),
    attr: core.attr(share, rec),
  }));
}

/** Linux does not check permission bits on readlink; neither do we. */
export function readlink(
  core: ServiceCore,
  _caller: Caller,
  handle: Buffer,
): Promise<{ target: string; attr: FileAttr }> {
  return core.settle(handle, (share, rec) => {
    if (rec.type !== "symlink" || rec.target === null) throw new FsError("EINVAL", "not a symlink");
    return { target: rec.target, attr: core.attr(share, rec) };
  });
}

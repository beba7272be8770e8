/**
 * Opening a file by path, for every protocol with opens (SMB CREATE; NFSv4 OPEN next): walk the
 * path, open or create the last component as the disposition says, let the protocol admit the
 * open (its access mask, share modes, cache breaks), then overwrite and take the open reference.
 * Everything that can refuse the open runs before the overwrite changes the file (docs/architecture.md
 * "Layers"). Dispositions as [MS-FSA] §2.1.5.1 names them.
 */
import { FsError } from "../domain/errors.ts";
import {
  ACCESS_MODIFY,
  ACCESS_READ,
  type Caller,
  type FileAttr,
  type LookupResult,
} from "../metadata/types.ts";
import { added } from "./changes.ts";
import { type DataDeps, revalidate } from "./data.ts";
import { remove, rmdir } from "./names.ts";
import { createGrant, inherit, storedAccess, traverseGrant } from "./security.ts";
import { announceNew, setattr } from "./setattr.ts";
import type { FileCall, OpenAction, OpenDisposition } from "./types.ts";

/**
 * A directory on the way to the last component is missing (ENOENT) or not a directory (ENOTDIR):
 * SMB answers either with OBJECT_PATH_NOT_FOUND, where a missing last component is ENOENT itself.
 */
export class PathNotFound extends FsError {
  constructor(component: string, code: "ENOENT" | "ENOTDIR") {
    super(code, `path component ${component}`);
  }
}

export interface Walked {
  /** The directory holding the last component (null when the path is the starting directory). */
  parent: Buffer | null;
  name: string;
  /** The components as stored (as given where a walk without `caseless` found them, or for a missing last one). */
  stored: string[];
  /** The object itself, or null when the last component does not exist. */
  target: LookupResult | null;
}

export interface WalkOptions {
  /**
   * A component no entry names exactly matches one named the same but for case (SMB's name
   * rules, metadata/folded-names.ts); NFS walks case-sensitively.
   */
  caseless?: boolean;
}

/**
 * One component of `dir` as the walk (and SMB's QUERY_DIRECTORY of one exact name, queries.ts
 * find) looks it up: the entry and its name as stored.
 */
export async function lookupOne(d: DataDeps, dir: FileCall, at: Buffer, name: string, o: WalkOptions) {
  const look = async (caller: Caller) => {
    if (o.caseless) return d.metadata.lookupCaseless(caller, at, name);
    return { ...(await d.metadata.lookup(caller, at, name)), name };
  };
  return look(dir.caller).catch(async (e: unknown) => {
    // A directory's stored ACL never stops a path walk (traversal by privilege, nt-acl/mode.ts).
    if (!(e instanceof FsError && e.code === "EACCES")) throw e;
    const grant = await traverseGrant(d, { ...dir, handle: at });
    if (grant === 0) throw e;
    return look({ ...dir.caller, aclBits: grant });
  });
}

/** Looks `path` up below the directory `dir` as the caller, one component at a time. */
export async function walk(
  d: DataDeps,
  dir: FileCall,
  path: readonly string[],
  o: WalkOptions = {},
): Promise<Walked> {
  const md = d.metadata;
  if (path.length === 0) {
    const target = { handle: dir.handle, attr: await md.getattr(dir.handle) };
    return { parent: null, name: "", stored: [], target };
  }
  let at = dir.handle;
  const stored: string[] = [];
  for (const c of path.slice(0, -1)) {
    const r = await lookupOne(d, dir, at, c, o).catch((e: unknown) => {
      if (e instanceof FsError && (e.code === "ENOENT" || e.code === "ENOTDIR")) {
        throw new PathNotFound(c, e.code);
      }
      throw e;
    });
    if (r.attr.type !== "dir") throw new PathNotFound(c, "ENOTDIR");
    at = r.handle;
    stored.push(r.name);
  }
  const last = path[path.length - 1]!;
  try {
    const { name, ...target } = await lookupOne(d, dir, at, last, o);
    const validating = revalidate(d, dir.share.name, target.attr, "lookup");
    if (validating !== undefined) await validating;
    return { parent: at, name, stored: [...stored, name], target };
  } catch (e) {
    if (e instanceof FsError && e.code === "ENOENT") {
      return { parent: at, name: last, stored: [...stored, last], target: null };
    }
    if (e instanceof FsError && e.code === "ENOTDIR") throw new PathNotFound(last, "ENOTDIR");
    throw e;
  }
}

export interface OpenRequest extends WalkOptions {
  /** Components below the directory of the call (SMB: the share root). */
  path: readonly string[];
  disposition: OpenDisposition;
  /** "dir": must be (or is created as) a directory; "file": must not be a directory. */
  kind?: "dir" | "file";
  /** DOS attributes given to a created or overwritten file (0: none). */
  dosAttributes: number;
  /**
   * The protocol's own admission, run once the target exists and before an overwrite changes
   * it: access mask against `granted`, share modes, oplock/lease breaks. Throwing refuses the open.
   */
  admit: (o: Opened) => Promise<void>;
}

export interface Opened extends Walked {
  target: LookupResult;
  action: OpenAction;
  /** The ACCESS_READ / ACCESS_MODIFY bits the caller's mode bits grant on the target. */
  granted: number;
  /**
   * The maximal NT access mask the target's stored ACL grants the caller (files/security.ts),
   * or null when it has none and the mode bits decide.
   */
  ntAccess: number | null;
}

export interface OpenResult extends Opened {
  /** The target's attributes once opened (after the overwrite for one that overwrote). */
  attr: FileAttr;
}

const OVERWRITES: ReadonlySet<OpenDisposition> = new Set(["supersede", "overwrite", "overwrite-if"]);

/** EROFS/EACCES unless the caller may change the share (its access policy, or a read-only share). */
function checkWritable(f: FileCall): void {
  if (f.share.readOnly) throw new FsError("EROFS", `share ${f.share.name} is read-only`);
  if (f.access !== undefined && f.access.level !== "read-write") throw new FsError(f.access.writeRefusal);
}

/** The action opening the existing `target` takes, or why it cannot be opened. */
function existing(f: FileCall, r: OpenRequest, target: LookupResult): OpenAction {
  const isDir = target.attr.type === "dir";
  if (r.disposition === "create") throw new FsError("EEXIST");
  if (r.kind === "dir" && !isDir) throw new FsError("ENOTDIR");
  if (r.kind === "file" && isDir) throw new FsError("EISDIR");
  if (!OVERWRITES.has(r.disposition)) return "opened";
  if (isDir) throw new FsError("EINVAL", "overwrite a directory");
  checkWritable(f);
  return r.disposition === "supersede" ? "superseded" : "overwritten";
}

async function createNew(d: DataDeps, f: FileCall, r: OpenRequest, parent: Buffer, name: string) {
  checkWritable(f);
  const attrs = r.dosAttributes ? { dosAttributes: r.dosAttributes } : {};
  const md = d.metadata;
  const isDir = r.kind === "dir";
  // A parent's stored ACL, not its mode (NFS's), decides whether SMB may add the entry.
  const grant = await createGrant(d, { ...f, handle: parent }, isDir);
  const caller = grant === 0 ? f.caller : { ...f.caller, aclBits: grant };
  const making = isDir
    ? md.mkdir(caller, parent, name, { mode: 0o755, ...attrs })
    : md.create(caller, parent, name, { mode: 0o644, ...attrs }, { mode: "guarded" });
  const made = await d.changes.told(making, [added({ ...f, handle: parent }, name, isDir)]);
  if (!isDir) announceNew(d, f, made.attr);
  const attr = await inherit(d, { ...f, handle: made.handle }, parent, made.attr);
  return { handle: made.handle, attr };
}

/**
 * Removes the entry `open` just created and an admission refused. The refusal is what the caller
 * reports; should the removal fail too (another client renamed the entry meanwhile), the
 * entry stays as any created file would.
 */
async function undoCreate(d: DataDeps, dir: FileCall, w: Walked, isDir: boolean): Promise<void> {
  const parent = { ...dir, handle: w.parent! };
  await (isDir ? rmdir(d, parent, w.name) : remove(d, parent, w.name)).catch(() => undefined);
}

/**
 * Opens `r.path` below the directory `dir`. The result carries the target's attributes after an
 * overwrite and holds a MetadataService reference the protocol releases with FileService.close.
 */
export async function open(d: DataDeps, dir: FileCall, r: OpenRequest): Promise<OpenResult> {
  const walked = await walk(d, dir, r.path, r);
  let target = walked.target;
  let action: OpenAction;
  if (target) action = existing(dir, r, target);
  else if (r.disposition === "open" || r.disposition === "overwrite") throw new FsError("ENOENT");
  else {
    // The starting directory always exists, so a missing target always has a parent.
    target = await createNew(d, dir, r, walked.parent!, walked.name);
    action = "created";
  }
  const { granted } = await d.metadata.access(dir.caller, target.handle, ACCESS_READ | ACCESS_MODIFY);
  const on = { ...dir, handle: target.handle };
  const ntAccess = await storedAccess(d, on, target.attr, walked.parent);
  const opened: Opened = { ...walked, target, action, granted, ntAccess };
  await r.admit(opened).catch(async (e: unknown) => {
    // [MS-FSA] §2.1.5.1: a refused create leaves nothing behind (delete-on-close of a READONLY
    // file is CANNOT_DELETE, and the name stays free: smb2.delete-on-close-perms READONLY).
    if (action === "created") await undoCreate(d, dir, walked, target.attr.type === "dir");
    throw e;
  });
  let attr = target.attr;
  if (action === "overwritten" || action === "superseded") {
    const dos = r.dosAttributes ? { dosAttributes: r.dosAttributes } : {};
    const f = { ...dir, handle: target.handle };
    attr = (await setattr(d, f, { attrs: { size: 0, ...dos } })).after;
  }
  d.metadata.retain(target.handle);
  return { ...opened, attr };
}

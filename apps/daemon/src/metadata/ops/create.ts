/**
 * CREATE, MKDIR, SYMLINK, MKNOD: one path that validates the name, checks write+search permission
 * on the directory, inserts inode and entry in one transaction and bumps the directory's
 * mtime/ctime (and nlink for a subdirectory).
 */
import { randomUUID } from "node:crypto";
import { FsError } from "../../domain/errors.ts";
import { toWcc } from "../attr.ts";
import {
  FIRST_ENTRY_SEQ,
  LINK_MAX,
  mustExist,
  type Rec,
  requireDir,
  type ServiceCore,
  type ShareState,
} from "../core.ts";
import type { MetadataTx, NewInode } from "../metadata-store.ts";
import { SYMLINK_TARGET_MAX_BYTES, validateNewName } from "../names.ts";
import { type Identity, inGroup, requireAccess, S_ISGID, validId, W, X } from "../permissions.ts";
import type { Caller, CreateHow, FileType, MutationResult, SetAttrs, Timespec } from "../types.ts";
import { setattr } from "./setattr.ts";

export interface NodeSpec {
  type: FileType;
  attrs: SetAttrs;
  target?: string;
  rdev?: { major: number; minor: number };
  how?: CreateHow;
}

const DEFAULT_MODE: Record<FileType, number> = {
  file: 0o644,
  dir: 0o755,
  symlink: 0o777,
  chr: 0o644,
  blk: 0o644,
  sock: 0o644,
  fifo: 0o644,
};

/** Owner and group of a new inode: BSD group inheritance under a set-group-ID directory. */
function ownership(id: Identity, dir: Rec, attrs: SetAttrs): { uid: number; gid: number } {
  let uid = id.uid;
  let gid = (dir.mode & S_ISGID) !== 0 ? dir.gid : id.gid;
  if (attrs.uid !== undefined && validId(attrs.uid) && id.uid === 0) uid = attrs.uid;
  if (attrs.gid !== undefined && validId(attrs.gid) && (id.uid === 0 || inGroup(id, attrs.gid)))
    gid = attrs.gid;
  return { uid, gid };
}

function newInode(id: Identity, dir: Rec, spec: NodeSpec, now: Timespec): NewInode {
  const { uid, gid } = ownership(id, dir, spec.attrs);
  let mode = (spec.attrs.mode ?? DEFAULT_MODE[spec.type]) & 0o7777;
  if (spec.type === "dir" && (dir.mode & S_ISGID) !== 0) mode |= S_ISGID;
  if (spec.type === "symlink") mode = 0o777;
  const time = (t: SetAttrs["mtime"]) => (t === undefined || t === "now" ? now : t);
  return {
    root: dir.root,
    parent: spec.type === "dir" ? dir.id : 0n,
    type: spec.type,
    mode,
    nlink: spec.type === "dir" ? 2 : 1,
    uid,
    gid,
    size: spec.type === "dir" ? 4096 : spec.type === "symlink" ? Buffer.byteLength(spec.target ?? "") : 0,
    rdevMajor: spec.rdev?.major ?? 0,
    rdevMinor: spec.rdev?.minor ?? 0,
    atime: time(spec.attrs.atime),
    mtime: time(spec.attrs.mtime),
    ctime: now,
    btime: spec.attrs.btime ?? now,
    changeTime: typeof spec.attrs.changeTime === "object" ? { time: spec.attrs.changeTime, at: now } : null,
    dosAttributes: spec.attrs.dosAttributes ?? 0,
    payloadId: spec.type === "file" ? randomUUID() : null,
    target: spec.type === "symlink" ? (spec.target ?? "") : null,
    verifier: spec.how?.mode === "exclusive" ? Buffer.from(spec.how.verifier) : null,
    entrySeq: FIRST_ENTRY_SEQ - 1n,
  };
}

type Outcome =
  | { kind: "created"; dirBefore: Rec; dirAfter: Rec; child: Rec }
  | { kind: "existing"; dir: Rec; child: Rec };

/** RFC 1813 §3.3.8: what an existing name means for each create mode. */
async function onExisting(
  tx: MetadataTx,
  share: ShareState,
  dir: Rec,
  childId: bigint,
  spec: NodeSpec,
): Promise<Outcome> {
  const how = spec.how;
  if (spec.type !== "file" || how === undefined || how.mode === "guarded") throw new FsError("EEXIST");
  const child = mustExist(await tx.getInode(childId), share);
  if (child.type !== "file") throw new FsError("EEXIST");
  if (how.mode === "exclusive" && (child.verifier === null || !child.verifier.equals(how.verifier))) {
    throw new FsError("EEXIST");
  }
  return { kind: "existing", dir, child };
}

async function insertNode(
  core: ServiceCore,
  share: ShareState,
  dirId: bigint,
  name: string,
  spec: NodeSpec,
  id: Identity,
) {
  return share.store.transaction(async (tx): Promise<Outcome> => {
    await tx.lock([dirId]);
    const dir = mustExist(await tx.getInode(dirId), share);
    requireDir(dir);
    requireAccess(id, dir, W | X);
    const existing = await tx.getEntry(dirId, name);
    if (existing !== undefined) return onExisting(tx, share, dir, existing.child, spec);
    if (spec.type === "dir" && dir.nlink >= LINK_MAX) throw new FsError("EMLINK");
    const now = core.clock.now();
    const child = await tx.insertInode(newInode(id, dir, spec, now));
    const seq = dir.entrySeq + 1n;
    await tx.insertEntry({ parent: dirId, name, child: child.id, seq });
    const dirAfter = {
      ...dir,
      entrySeq: seq,
      nlink: spec.type === "dir" ? dir.nlink + 1 : dir.nlink,
      mtime: now,
      ctime: now,
    };
    await tx.updateInode(dirAfter);
    return { kind: "created", dirBefore: dir, dirAfter, child };
  });
}

function checkSpec(spec: NodeSpec): void {
  if (spec.target !== undefined) {
    if (Buffer.byteLength(spec.target) > SYMLINK_TARGET_MAX_BYTES)
      throw new FsError("ENAMETOOLONG", "symlink target");
    if (spec.target.includes("\0")) throw new FsError("EINVAL", "NUL in symlink target");
  }
  const mode = spec.attrs.mode;
  if (mode !== undefined && (!Number.isInteger(mode) || mode < 0)) throw new FsError("EINVAL", "mode");
  if (spec.rdev !== undefined && !(validId(spec.rdev.major) && validId(spec.rdev.minor))) {
    throw new FsError("EINVAL", "rdev");
  }
}

export async function createNode(
  core: ServiceCore,
  caller: Caller,
  dirHandle: Buffer,
  name: string,
  spec: NodeSpec,
): Promise<MutationResult> {
  validateNewName(name);
  checkSpec(spec);
  const t = core.target(dirHandle);
  const { share } = t;
  core.requireWritable(share);
  const id = core.identity(share, caller);
  const out = await insertNode(core, share, t.id, name, spec, id);
  if (out.kind === "created") {
    return {
      created: true,
      handle: core.handleOf(share, out.child.id),
      attr: core.attr(share, out.child),
      dirBefore: toWcc(out.dirBefore),
      dirAfter: core.attr(share, out.dirAfter),
    };
  }
  // UNCHECKED over an existing file applies the requested attributes (typically size 0).
  const handle = core.handleOf(share, out.child.id);
  let attr = core.attr(share, out.child);
  let sizeBefore: number | undefined;
  if (spec.how?.mode === "unchecked" && spec.attrs.size !== undefined) {
    const set = await setattr(core, caller, handle, { size: spec.attrs.size });
    attr = set.after;
    sizeBefore = set.before.size;
  }
  return { handle, attr, dirBefore: toWcc(out.dir), dirAfter: core.attr(share, out.dir), sizeBefore };
}

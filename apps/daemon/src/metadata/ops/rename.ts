/**
 * RENAME (POSIX rename(2), RFC 1813 §3.3.14): atomic in one transaction. Replaces a file, or an
 * empty directory with a directory; renaming onto another link of the same inode does nothing;
 * a directory never moves into its own subtree (EINVAL). Both directories get mtime/ctime, the
 * moved inode ctime; a directory changing parent moves one nlink between the parents.
 */
import { FsError } from "../../domain/errors.ts";
import { toWcc } from "../attr.ts";
import {
  mustExist,
  type Rec,
  requireDir,
  type ServiceCore,
  type ShareState,
  TREE_DEPTH_MAX,
} from "../core.ts";
import type { InodeRecord, MetadataTx } from "../metadata-store.ts";
import { validateNewName } from "../names.ts";
import { type Identity, requireAccess, requireStickyOk, W, X } from "../permissions.ts";
import type { Caller, FileAttr, Orphan, RenameGrants, Timespec, WccAttr } from "../types.ts";
import { dropLink } from "./remove.ts";

export interface RenameResult {
  fromBefore: WccAttr;
  fromAfter: FileAttr;
  toBefore: WccAttr;
  toAfter: FileAttr;
  /** The replaced file, when that was its last link (metadata/types.ts Orphan). */
  orphan: Orphan | null;
}

/** EINVAL if `dir` is `moved` or lies below it. */
async function refuseCycle(tx: MetadataTx, share: ShareState, moved: bigint, dir: Rec): Promise<void> {
  let cur = dir;
  for (let depth = 0; depth < TREE_DEPTH_MAX; depth++) {
    if (cur.id === moved) throw new FsError("EINVAL", "directory into its own subtree");
    if (cur.parent === cur.id) return;
    cur = mustExist(await tx.getInode(cur.parent), share);
  }
  throw new FsError("ELOOP", "directory tree too deep");
}

/** Removes the entry being replaced, after checking the type rules. */
async function replaceTarget(
  core: ServiceCore,
  tx: MetadataTx,
  share: ShareState,
  ctx: {
    id: Identity;
    src: Rec;
    toDir: InodeRecord;
    toName: string;
    dstId: bigint;
    now: Timespec;
  },
): Promise<Orphan | null> {
  const dst = mustExist(await tx.getInode(ctx.dstId), share);
  requireStickyOk(ctx.id, ctx.toDir, dst);
  if (ctx.src.type === "dir") {
    if (dst.type !== "dir") throw new FsError("ENOTDIR");
    if (await tx.hasEntries(dst.id)) throw new FsError("ENOTEMPTY");
  } else if (dst.type === "dir") {
    throw new FsError("EISDIR");
  }
  await tx.deleteEntry(ctx.toDir.id, ctx.toName);
  if (dst.type !== "dir") return dropLink(core, tx, share, dst, ctx.now);
  await tx.deleteInode(dst.id);
  ctx.toDir.nlink--;
  return null;
}

async function renameTx(
  core: ServiceCore,
  tx: MetadataTx,
  share: ShareState,
  id: Identity,
  a: { fromId: bigint; fromName: string; toId: bigint; toName: string; grants: RenameGrants },
) {
  await tx.lock([a.fromId, a.toId]);
  const fromBefore = mustExist(await tx.getInode(a.fromId), share);
  const toBefore = a.toId === a.fromId ? fromBefore : mustExist(await tx.getInode(a.toId), share);
  requireDir(fromBefore);
  requireDir(toBefore);
  // Each object's check passes what a stored ACL granted on it (SMB), on top of the caller's own.
  const granted = (bits = 0): Identity => (bits ? { ...id, aclBits: (id.aclBits ?? 0) | bits } : id);
  requireAccess(granted(a.grants.from), fromBefore, W | X);
  requireAccess(granted(a.grants.to), toBefore, W | X);
  const srcEntry = await tx.getEntry(a.fromId, a.fromName);
  if (srcEntry === undefined) throw new FsError("ENOENT", a.fromName);
  const dstEntry = await tx.getEntry(a.toId, a.toName);
  await tx.lock(dstEntry === undefined ? [srcEntry.child] : [srcEntry.child, dstEntry.child]);
  const src = mustExist(await tx.getInode(srcEntry.child), share);
  requireStickyOk(id, fromBefore, src);
  const same = { fromBefore, fromAfter: fromBefore, toBefore, toAfter: toBefore, orphan: null };
  if (dstEntry?.child === src.id) return same;
  const moving = src.type === "dir" && a.fromId !== a.toId;
  if (moving) {
    await tx.lockNamespace();
    await refuseCycle(tx, share, src.id, toBefore);
    // Linux vfs_rename: moving a directory rewrites its "..", which needs write permission on it.
    requireAccess(granted(a.grants.moved), src, W);
  }
  const now = core.clock.now();
  const toDir: InodeRecord = { ...toBefore, mtime: now, ctime: now };
  const fromDir: InodeRecord = a.toId === a.fromId ? toDir : { ...fromBefore, mtime: now, ctime: now };
  let orphan: Orphan | null = null;
  if (dstEntry !== undefined) {
    orphan = await replaceTarget(core, tx, share, {
      id,
      src,
      toDir,
      toName: a.toName,
      dstId: dstEntry.child,
      now,
    });
  }
  await tx.deleteEntry(a.fromId, a.fromName);
  toDir.entrySeq += 1n;
  await tx.insertEntry({ parent: a.toId, name: a.toName, child: src.id, seq: toDir.entrySeq });
  await tx.updateInode({ ...src, ctime: now, parent: moving ? a.toId : src.parent });
  if (moving) {
    fromDir.nlink--;
    toDir.nlink++;
  }
  await tx.updateInode(toDir);
  if (fromDir !== toDir) await tx.updateInode(fromDir);
  return { fromBefore, fromAfter: fromDir, toBefore, toAfter: toDir, orphan };
}

export async function rename(
  core: ServiceCore,
  caller: Caller,
  fromDir: Buffer,
  fromName: string,
  toDir: Buffer,
  toName: string,
  grants: RenameGrants = {},
): Promise<RenameResult> {
  validateNewName(fromName);
  validateNewName(toName);
  const ft = core.target(fromDir);
  const tt = core.target(toDir);
  if (ft.share !== tt.share) throw new FsError("EXDEV");
  const { share } = ft;
  core.requireWritable(share);
  const id = core.identity(share, caller);
  const args = { fromId: ft.id, fromName, toId: tt.id, toName, grants };
  const out = await share.store.transaction((tx) => renameTx(core, tx, share, id, args));
  return {
    fromBefore: toWcc(out.fromBefore),
    fromAfter: core.attr(share, out.fromAfter),
    toBefore: toWcc(out.toBefore),
    toAfter: core.attr(share, out.toAfter),
    orphan: out.orphan,
  };
}

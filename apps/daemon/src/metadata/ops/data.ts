/**
 * The data path's metadata side: checks before READ/WRITE, size and times after WRITE, the open
 * references that keep an unlinked file's payload alive until the last release, and the orphans
 * the file service reaps once their payload is gone (docs/architecture.md "Removing a file").
 */
import { FsError } from "../../domain/errors.ts";
import { isPending } from "../../domain/pending.ts";
import { toWcc } from "../attr.ts";
import { mustExist, type Rec, type ServiceCore, type ShareState } from "../core.ts";
import { type Identity, isOwnerOrRoot, mayAccess, R, S_ISGID, S_ISUID, W, X } from "../permissions.ts";
import type { Caller, FileAttr, Orphan, WccAttr } from "../types.ts";

function requireFile(rec: Rec): string {
  if (rec.type === "dir") throw new FsError("EISDIR");
  if (rec.type !== "file" || rec.payloadId === null) throw new FsError("EINVAL", "not a regular file");
  return rec.payloadId;
}

/** nfsd's owner override: the client checked the mode at open, so the owner passes here. */
function mayData(id: Identity, rec: Rec, want: number): boolean {
  return isOwnerOrRoot(id, rec) || mayAccess(id, rec, want);
}

/** Settled at once over a synchronous store (core.settle). */
export function prepareWrite(
  core: ServiceCore,
  caller: Caller,
  handle: Buffer,
): Promise<{ payloadId: string; before: WccAttr }> {
  return core.settle(handle, (share, rec) => {
    core.requireWritable(share);
    const payloadId = requireFile(rec);
    if (!mayData(core.identity(share, caller), rec, W)) throw new FsError("EACCES");
    return { payloadId, before: toWcc(rec) };
  });
}

export interface PreparedRead {
  payloadId: string;
  attr: FileAttr;
}

/** No async frame: an already settled promise when the store answers synchronously (core.loadNow). */
export function prepareRead(core: ServiceCore, caller: Caller, handle: Buffer): Promise<PreparedRead> {
  try {
    const got = prepareReadNow(core, caller, handle);
    return isPending(got) ? got : Promise.resolve(got);
  } catch (e) {
    return Promise.reject(e);
  }
}

/** prepareRead's answer itself when the store reads synchronously; failures then throw. */
export function prepareReadNow(
  core: ServiceCore,
  caller: Caller,
  handle: Buffer,
): PreparedRead | Promise<PreparedRead> {
  const t = core.target(handle);
  const rec = core.loadNow(t);
  if (isPending(rec)) return rec.then((r) => readable(core, caller, t.share, r));
  return readable(core, caller, t.share, rec);
}

function readable(core: ServiceCore, caller: Caller, share: ShareState, rec: Rec): PreparedRead {
  const payloadId = requireFile(rec);
  const id = core.identity(share, caller);
  // nfsd READ_IF_EXEC: pages of an executable are read to run it.
  if (!mayData(id, rec, R) && !mayAccess(id, rec, X)) throw new FsError("EACCES");
  return { payloadId, attr: core.attr(share, rec) };
}

/**
 * The size and times after a WRITE. `lazy` (an UNSTABLE write): every read sees them at once, but
 * the store may make them durable later, at the latest with `persist` (COMMIT, FLUSH, CLOSE).
 */
export async function commitWrite(
  core: ServiceCore,
  handle: Buffer,
  end: number,
  lazy: boolean,
): Promise<FileAttr> {
  if (!Number.isSafeInteger(end) || end < 0) throw new FsError("EINVAL", "write end");
  const t = core.target(handle);
  const { share } = t;
  const after = await share.store.transaction(
    async (tx) => {
      await tx.lock([t.id]);
      const rec = mustExist(await tx.getInode(t.id), share);
      requireFile(rec);
      const now = core.clock.now();
      let mode = rec.mode & ~S_ISUID;
      // write(2) drops set-group-ID only when group-executable (otherwise it marks mandatory locking).
      if (mode & 0o010) mode &= ~S_ISGID;
      const next = { ...rec, size: Math.max(rec.size, end), mtime: now, ctime: now, mode };
      await tx.updateInode(next);
      return next;
    },
    { lazy },
  );
  return core.attr(share, after);
}

/** Makes durable the size and times lazy `commitWrite`s left to the store (none: settled at once). */
export function persist(core: ServiceCore, handle: Buffer): Promise<void> {
  try {
    const t = core.target(handle);
    return t.share.store.persist?.([t.id]) ?? Promise.resolve();
  } catch (e) {
    return Promise.reject(e);
  }
}

export function retain(core: ServiceCore, handle: Buffer): void {
  const t = core.target(handle);
  const key = core.openKey(t.share, t.id);
  const n = core.openRefs.get(key) ?? 0;
  if (n === 0 && core.openRefs.size >= core.openRefsMax) throw new FsError("ENOSPC", "too many open files");
  core.openRefs.set(key, n + 1);
}

export async function release(core: ServiceCore, handle: Buffer): Promise<Orphan | null> {
  const t = core.target(handle);
  const { share } = t;
  const key = core.openKey(share, t.id);
  const n = core.openRefs.get(key) ?? 0;
  if (n > 1) {
    core.openRefs.set(key, n - 1);
    return null;
  }
  core.openRefs.delete(key);
  if (n === 0) return null;
  const rec = await share.store.getInode(t.id);
  if (rec === undefined || rec.nlink > 0) return null;
  if (rec.payloadId !== null) return core.orphan(share, { ...rec, payloadId: rec.payloadId });
  await reap(core, handle);
  return null;
}

/**
 * Deletes an orphan's inode record; a no-op if it is gone, linked or open again. Lazy (no commit
 * of its own: it goes with the next durable transaction, within SQLITE_LAZY_COMMIT_MS at most):
 * a crash that loses it leaves the orphan, whose payload is already deleted, and the start-up
 * sweep reaps it again (files/orphans.ts sweepOrphans; a payload delete is idempotent).
 */
export async function reap(core: ServiceCore, handle: Buffer): Promise<void> {
  const t = core.target(handle);
  const { share } = t;
  await share.store.transaction(
    async (tx) => {
      await tx.lock([t.id]);
      const rec = await tx.getInode(t.id);
      // Retained again while we waited for the transaction: the new holder keeps it.
      if (rec === undefined || rec.nlink > 0 || core.isOpen(share, t.id)) return;
      await tx.deleteInode(t.id);
    },
    { lazy: true },
  );
}

/**
 * REMOVE and RMDIR. The last link of a file leaves its inode with nlink 0: an orphan the file
 * service deletes the payload of and then reaps (docs/architecture.md "Removing a file"), or, if
 * the file is open (retain/release), keeps until the last release.
 */
import { FsError } from "../../domain/errors.ts";
import { toWcc } from "../attr.ts";
import { mustExist, type Rec, requireDir, type ServiceCore, type ShareState } from "../core.ts";
import type { MetadataTx } from "../metadata-store.ts";
import { validateLookupName } from "../names.ts";
import { requireAccess, requireStickyOk, W, X } from "../permissions.ts";
import type { Caller, DirChangeResult, Orphan, RemoveResult, Timespec } from "../types.ts";

/**
 * Drops one link of a non-directory. The last one of a file nothing holds open returns the
 * orphan whose payload the file service deletes; a file without payload goes at once.
 */
export async function dropLink(
  core: ServiceCore,
  tx: MetadataTx,
  share: ShareState,
  rec: Rec,
  now: Timespec,
): Promise<Orphan | null> {
  const nlink = Math.max(rec.nlink - 1, 0);
  if (nlink === 0 && rec.payloadId === null && !core.isOpen(share, rec.id)) {
    await tx.deleteInode(rec.id);
    return null;
  }
  await tx.updateInode({ ...rec, nlink, ctime: now });
  if (nlink > 0 || rec.payloadId === null || core.isOpen(share, rec.id)) return null;
  return core.orphan(share, { ...rec, payloadId: rec.payloadId });
}

function checkRemoveName(name: string, dir: boolean): void {
  validateLookupName(name);
  if (name === ".") throw new FsError("EINVAL", "cannot remove .");
  if (name === "..") throw new FsError(dir ? "ENOTEMPTY" : "EINVAL", "cannot remove ..");
}

async function removeEntry(
  core: ServiceCore,
  caller: Caller,
  dirHandle: Buffer,
  name: string,
  wantDir: boolean,
) {
  checkRemoveName(name, wantDir);
  const t = core.target(dirHandle);
  const { share } = t;
  core.requireWritable(share);
  const id = core.identity(share, caller);
  const out = await share.store.transaction(async (tx) => {
    await tx.lock([t.id]);
    const dir = mustExist(await tx.getInode(t.id), share);
    requireDir(dir);
    requireAccess(id, dir, W | X);
    const entry = await tx.getEntry(t.id, name);
    if (entry === undefined) throw new FsError("ENOENT", name);
    await tx.lock([entry.child]);
    const child = mustExist(await tx.getInode(entry.child), share);
    if (wantDir && child.type !== "dir") throw new FsError("ENOTDIR");
    if (!wantDir && child.type === "dir") throw new FsError("EISDIR");
    requireStickyOk(id, dir, child);
    if (wantDir && (await tx.hasEntries(child.id))) throw new FsError("ENOTEMPTY");
    const now = core.clock.now();
    await tx.deleteEntry(t.id, name);
    let orphan: Orphan | null = null;
    if (wantDir) await tx.deleteInode(child.id);
    else orphan = await dropLink(core, tx, share, child, now);
    const after = { ...dir, nlink: wantDir ? dir.nlink - 1 : dir.nlink, mtime: now, ctime: now };
    await tx.updateInode(after);
    return { before: dir, after, orphan };
  });
  return { dirBefore: toWcc(out.before), dirAfter: core.attr(share, out.after), orphan: out.orphan };
}

export function remove(core: ServiceCore, caller: Caller, dir: Buffer, name: string): Promise<RemoveResult> {
  return removeEntry(core, caller, dir, name, false);
}

export async function rmdir(
  core: ServiceCore,
  caller: Caller,
  dir: Buffer,
  name: string,
): Promise<DirChangeResult> {
  const { dirBefore, dirAfter } = await removeEntry(core, caller, dir, name, true);
  return { dirBefore, dirAfter };
}

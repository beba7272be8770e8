/**
 * REMOVE and RMDIR. The last link of a file drops its inode and (after commit) its payload —
 * unless the file is open (retain/release), in which case the inode stays with nlink 0 until the
 * last release.
 */
import { FsError } from "../../domain/errors.ts";
import { toWcc } from "../attr.ts";
import { type Doomed, mustExist, type Rec, requireDir, type ServiceCore, type ShareState } from "../core.ts";
import type { MetadataTx } from "../metadata-store.ts";
import { validateLookupName } from "../names.ts";
import { requireAccess, requireStickyOk, W, X } from "../permissions.ts";
import type { Caller, DirChangeResult, Timespec } from "../types.ts";

/** Drops one link of a non-directory; records the payload to delete when the inode goes. */
export async function dropLink(
  core: ServiceCore,
  tx: MetadataTx,
  share: ShareState,
  rec: Rec,
  now: Timespec,
  doomed: Doomed[],
): Promise<void> {
  const nlink = rec.nlink - 1;
  if (nlink > 0 || core.isOpen(share, rec.id)) {
    await tx.updateInode({ ...rec, nlink: Math.max(nlink, 0), ctime: now });
    return;
  }
  await tx.deleteInode(rec.id);
  if (rec.payloadId !== null) doomed.push({ share, payloadId: rec.payloadId });
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
    const doomed: Doomed[] = [];
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
    if (wantDir) await tx.deleteInode(child.id);
    else await dropLink(core, tx, share, child, now, doomed);
    const after = { ...dir, nlink: wantDir ? dir.nlink - 1 : dir.nlink, mtime: now, ctime: now };
    await tx.updateInode(after);
    return { before: dir, after, doomed };
  });
  await core.bury(out.doomed);
  return { dirBefore: toWcc(out.before), dirAfter: core.attr(share, out.after) } satisfies DirChangeResult;
}

export function remove(
  core: ServiceCore,
  caller: Caller,
  dir: Buffer,
  name: string,
): Promise<DirChangeResult> {
  return removeEntry(core, caller, dir, name, false);
}

export function rmdir(
  core: ServiceCore,
  caller: Caller,
  dir: Buffer,
  name: string,
): Promise<DirChangeResult> {
  return removeEntry(core, caller, dir, name, true);
}

/** LINK: a new name for an existing non-directory in the same share (POSIX link(2)). */
import { FsError } from "../../domain/errors.ts";
import { toWcc } from "../attr.ts";
import { LINK_MAX, mustExist, requireDir, type ServiceCore } from "../core.ts";
import { validateNewName } from "../names.ts";
import { requireAccess, W, X } from "../permissions.ts";
import type { Caller, FileAttr, WccAttr } from "../types.ts";

export async function link(
  core: ServiceCore,
  caller: Caller,
  file: Buffer,
  dirHandle: Buffer,
  name: string,
): Promise<{ attr: FileAttr; dirBefore: WccAttr; dirAfter: FileAttr }> {
  validateNewName(name);
  const ft = core.target(file);
  const dt = core.target(dirHandle);
  if (ft.share !== dt.share) throw new FsError("EXDEV");
  const { share } = dt;
  core.requireWritable(share);
  const id = core.identity(share, caller);
  const out = await share.store.transaction(async (tx) => {
    await tx.lock([dt.id, ft.id]);
    const dir = mustExist(await tx.getInode(dt.id), share);
    requireDir(dir);
    const rec = mustExist(await tx.getInode(ft.id), share);
    if (rec.type === "dir") throw new FsError("EISDIR", "hard link to a directory");
    requireAccess(id, dir, W | X);
    if (rec.nlink === 0) throw new FsError("ENOENT", "file was removed");
    if (rec.nlink >= LINK_MAX) throw new FsError("EMLINK");
    if ((await tx.getEntry(dt.id, name)) !== undefined) throw new FsError("EEXIST", name);
    const now = core.clock.now();
    const seq = dir.entrySeq + 1n;
    await tx.insertEntry({ parent: dt.id, name, child: rec.id, seq });
    const after = { ...rec, nlink: rec.nlink + 1, ctime: now };
    await tx.updateInode(after);
    const dirAfter = { ...dir, entrySeq: seq, mtime: now, ctime: now };
    await tx.updateInode(dirAfter);
    return { after, dir, dirAfter };
  });
  return {
    attr: core.attr(share, out.after),
    dirBefore: toWcc(out.dir),
    dirAfter: core.attr(share, out.dirAfter),
  };
}

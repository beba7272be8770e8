/**
 * SETATTR: who may change what (POSIX chmod/chown/utimensat/truncate as Linux nfsd applies them),
 * ctime on every change, mtime on a size change. The payload is the file service's to truncate
 * (files/setattr.ts), after this commits.
 */
import { FsError } from "../../domain/errors.ts";
import { FILE_SIZE_MAX } from "../../domain/limits.ts";
import { changeTimeOf, toWcc } from "../attr.ts";
import { sameTime } from "../clock.ts";
import { mustExist, type Rec, type ServiceCore } from "../core.ts";
import type { InodeRecord } from "../metadata-store.ts";
import {
  type Identity,
  inGroup,
  isOwnerOrRoot,
  mayAccess,
  S_ISGID,
  S_ISUID,
  validId,
  W,
} from "../permissions.ts";
import type { Caller, FileAttr, SetAttrs, Timespec, WccAttr } from "../types.ts";
import { dropAcl } from "./acl.ts";

function hasChanges(a: SetAttrs): boolean {
  return Object.values(a).some((v) => v !== undefined);
}

function requireOwner(id: Identity, rec: Rec): void {
  if (!isOwnerOrRoot(id, rec)) throw new FsError("EPERM", "not owner");
}

/** Owner override (nfsd NFSD_MAY_OWNER_OVERRIDE): the owner may write whatever the mode bits say. */
function requireWriteOrOwner(id: Identity, rec: Rec): void {
  if (!isOwnerOrRoot(id, rec) && !mayAccess(id, rec, W)) throw new FsError("EACCES");
}

function applyOwnership(id: Identity, rec: Rec, a: SetAttrs, next: InodeRecord): void {
  if ((a.uid !== undefined && !validId(a.uid)) || (a.gid !== undefined && !validId(a.gid))) {
    throw new FsError("EINVAL", "uid/gid");
  }
  // POSIX chown(2), as Linux chown_ok/chgrp_ok: only root changes the owner; the owner may name
  // itself and set the group to its current one or one of its groups; everyone else gets EPERM,
  // a call naming the current owner and group (a no-op) included.
  if (a.uid !== undefined && id.uid !== 0 && !(id.uid === rec.uid && a.uid === rec.uid)) {
    throw new FsError("EPERM", "chown");
  }
  if (a.gid !== undefined && id.uid !== 0) {
    const allowed = id.uid === rec.uid && (a.gid === rec.gid || inGroup(id, a.gid));
    if (!allowed) throw new FsError("EPERM", "chgrp");
  }
  const uid = a.uid ?? rec.uid;
  const gid = a.gid ?? rec.gid;
  if ((uid !== rec.uid || gid !== rec.gid) && rec.type !== "dir" && a.mode === undefined) {
    // chown(2): set-user-ID is dropped, set-group-ID too when group-executable.
    next.mode &= ~S_ISUID;
    if (next.mode & 0o010) next.mode &= ~S_ISGID;
  }
  next.uid = uid;
  next.gid = gid;
}

function applySize(id: Identity, rec: Rec, size: number, next: InodeRecord, now: Timespec): void {
  if (rec.type === "dir") throw new FsError("EISDIR");
  if (rec.type !== "file") throw new FsError("EINVAL", "size of a non-file");
  if (!Number.isSafeInteger(size) || size < 0) throw new FsError("EINVAL", "size");
  if (size > FILE_SIZE_MAX) throw new FsError("EFBIG");
  requireWriteOrOwner(id, rec);
  if (size !== rec.size) next.mtime = now;
  next.size = size;
}

function applyTime(id: Identity, rec: Rec, t: Timespec | "now", now: Timespec): Timespec {
  // utimensat(2): "now" needs write permission or ownership; an explicit time needs ownership.
  // An ACL-granted FILE_WRITE_ATTRIBUTES (SMB) stands for ownership here.
  if (t === "now") {
    if (!id.aclWriteAttributes) requireWriteOrOwner(id, rec);
    return now;
  }
  if (!id.aclWriteAttributes) requireOwner(id, rec);
  if (!Number.isInteger(t.sec) || !Number.isInteger(t.nsec) || t.nsec < 0 || t.nsec > 999_999_999) {
    throw new FsError("EINVAL", "time");
  }
  return { sec: t.sec, nsec: t.nsec };
}

export function applySetAttrs(id: Identity, rec: Rec, a: SetAttrs, now: Timespec): InodeRecord {
  const next: InodeRecord = { ...rec };
  if (a.mode !== undefined) {
    if (!Number.isInteger(a.mode) || a.mode < 0) throw new FsError("EINVAL", "mode");
    requireOwner(id, rec);
    let mode = a.mode & 0o7777;
    // chmod(2): a non-root caller outside the file's group cannot set set-group-ID.
    if (id.uid !== 0 && !inGroup(id, a.gid ?? rec.gid)) mode &= ~S_ISGID;
    next.mode = mode;
  }
  applyOwnership(id, rec, a, next);
  if (a.size !== undefined) applySize(id, rec, a.size, next, now);
  if (a.atime !== undefined) next.atime = applyTime(id, rec, a.atime, now);
  if (a.mtime !== undefined) next.mtime = applyTime(id, rec, a.mtime, now);
  if (a.btime !== undefined) next.btime = applyTime(id, rec, a.btime, now);
  if (a.changeTime === "keep") next.changeTime = { time: changeTimeOf(rec), at: now };
  else if (a.changeTime !== undefined)
    next.changeTime = { time: applyTime(id, rec, a.changeTime, now), at: now };
  if (a.dosAttributes !== undefined) {
    if (!id.aclWriteAttributes) requireWriteOrOwner(id, rec);
    next.dosAttributes = a.dosAttributes >>> 0;
  }
  next.ctime = now;
  return next;
}

export async function setattr(
  core: ServiceCore,
  caller: Caller,
  handle: Buffer,
  attrs: SetAttrs,
  guardCtime?: Timespec,
): Promise<{ before: WccAttr; after: FileAttr }> {
  const t = core.target(handle);
  const { share } = t;
  core.requireWritable(share);
  const id = core.identity(share, caller);
  const { rec, next } = await share.store.transaction(async (tx) => {
    await tx.lock([t.id]);
    const rec = mustExist(await tx.getInode(t.id), share);
    // RFC 1813 §3.3.2 sattrguard3: the server's ctime must match. NFS3ERR_NOT_SYNC has no errno;
    // the message names it for the NFS status map.
    if (guardCtime !== undefined && !sameTime(guardCtime, rec.ctime)) throw new FsError("EINVAL", "NOT_SYNC");
    if (!hasChanges(attrs)) return { rec, next: rec };
    const next = applySetAttrs(id, rec, attrs, core.clock.now());
    // A chmod replaces a stored ACL: the mode is the truth again (ops/acl.ts).
    if (attrs.mode !== undefined) await dropAcl(tx, t.id);
    await tx.updateInode(next);
    return { rec, next };
  });
  return { before: toWcc(rec), after: core.attr(share, next) };
}

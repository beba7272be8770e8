/**
 * SMB2 CLOSE ([MS-SMB2] §2.2.15, §2.2.16, §3.3.5.10): drops the open, its byte-range locks and
 * share mode, keeps written data through a kill of the daemon but not yet a power loss
 * (docs/payload.md "CLOSE": FLUSH is the durability point, as with Samba), deletes a
 * delete-pending file when its last open goes, and optionally returns post-close attributes.
 */
import { allocationSize, dosAttributes, endOfFile, writeTimes } from "../attrs.ts";
import { fileCall, treeCall } from "../calls.ts";
import { DELETE, SMB2_CLOSE_FLAG_POSTQUERY_ATTRIB } from "../constants.ts";
import { baseFileKey, streamsOpen } from "../create-stream.ts";
import { breakDirLeases, exemptParent, parentLeaseId } from "../dir-leases.ts";
import { endWatches, unwatch } from "../notify.ts";
import { detachHolder } from "../oplocks.ts";
import { type CommandSpec, type Reply, readFileId, type SmbRequest } from "../request.ts";
import type { FileState, Open, SmbServerState } from "../state.ts";
import { SmbWriter } from "../wire.ts";
import { closeUpdate, reported } from "../write-time.ts";

/** The mode bits a directory's unlink check needs (w and x). */
const W_X = 3;

/** Removes `open` from its connection (whichever channel CLOSE came on) and everywhere else (releaseOpen). */
export async function closeOpen(open: Open): Promise<void> {
  if (!open.conn.opens.delete(open.volatileId)) return;
  await releaseOpen(open.conn.server, open);
}

/**
 * Releases an open no connection holds any more (closed, or a durable open's scavenger): its
 * waiters, caching, locks and share mode; the last close of a delete-pending file unlinks it.
 */
export async function releaseOpen(server: SmbServerState, open: Open): Promise<void> {
  for (const w of open.lockWaiters) w.abort();
  const file = server.files.get(open.fileKey);
  await closeUpdate(server, open, open.deleteOnClose || file?.deletePending === true);
  if (open.durable) {
    if (open.durable.scavenger) clearTimeout(open.durable.scavenger);
    open.durable.scavenger = null;
    if (server.durableOpens.get(open.persistentId) === open) server.durableOpens.delete(open.persistentId);
  }
  if (open.replayKey && server.replayCache.get(open.replayKey)?.open === open)
    server.replayCache.delete(open.replayKey);
  // The directory's listing changed with the file's size and times (dir-leases.ts).
  const parentLease = parentLeaseId(open);
  if (open.written && open.parent) breakDirLeases(server, open.parent, parentLease);
  detachHolder(server, open);
  unwatch(server, open);
  // The owner ends in ':' (create.ts), so this reaches this open's locks and share mode only.
  server.ctx.files.releaseOwner(open.lockOwner);
  if (file) {
    file.opens.delete(open);
    if (open.deleteOnClose) file.deletePending = true;
    if (file.deletePending && open.isDir) endWatches(file.opens, "delete-pending");
  }
  const unlink = () => lastClose(server, open, file);
  // A delete on close leaves the closer's parent lease unbroken (dir-leases.ts).
  const unexempt = exemptParent(server, open.tree.share.name, open.name, parentLease);
  // DELETE a stored ACL granted the open (the file's DELETE or its directory's FILE_DELETE_CHILD,
  // [MS-FSA] §2.1.5.1.2.1) deletes the file whatever the directory's mode (NFS's) says: its
  // unlink passes W|X there.
  const f = fileCall(open);
  const acl = open.aclDelete && open.grantedAccess & DELETE;
  const call = acl ? { ...f, caller: { ...f.caller, aclBits: W_X } } : f;
  await server.ctx.files
    .close(call, { written: open.written, unlink, retained: open.retained })
    .finally(unexempt);
}

/**
 * What the close of `open` unlinks once no open of its FileState is left ([MS-FSA] §2.1.5.4): a
 * delete-pending stream goes alone; a delete-pending file stays, still delete pending, while one
 * of its named streams is open, and goes with the last of them (smbtorture smb2.streams.delete).
 */
function lastClose(server: SmbServerState, open: Open, file: FileState | undefined) {
  if (!file || file.opens.size > 0) return null;
  const base = baseFileKey(open);
  if (open.stream === null && file.deletePending && streamsOpen(server.files, base)) return null;
  server.files.delete(open.fileKey);
  if (!open.parent) return null;
  const doomed = { dir: open.parent, name: open.name, isDir: open.isDir };
  if (open.stream === null) return file.deletePending ? doomed : null;
  const owner = server.files.get(base);
  if (owner?.deletePending && owner.opens.size === 0 && !streamsOpen(server.files, base)) {
    server.files.delete(base);
    return { ...doomed, file: true };
  }
  return file.deletePending ? doomed : null;
}

export async function close(req: SmbRequest): Promise<Reply> {
  const r = req.reader();
  const flags = r.u16();
  r.u32();
  const open = req.open(readFileId(r));
  const wantAttrs = (flags & SMB2_CLOSE_FLAG_POSTQUERY_ATTRIB) !== 0;
  const handle = open.handle;
  const deleting = open.deleteOnClose || req.server.files.get(open.fileKey)?.deletePending === true;
  await closeOpen(open);
  const w = new SmbWriter(64);
  w.u16(60);
  if (wantAttrs && !deleting) {
    const attr = await req.server.ctx.files.getattr(treeCall(open.tree, handle)).catch(() => null);
    if (attr) {
      w.u16(SMB2_CLOSE_FLAG_POSTQUERY_ATTRIB).u32(0);
      writeTimes(w, reported(req.server, open.fileKey, attr))
        .u64(allocationSize(attr))
        .u64(endOfFile(attr))
        .u32(dosAttributes(attr));
      return { body: w.finish() };
    }
  }
  w.u16(0).u32(0).zeros(52);
  return { body: w.finish() };
}

export const CLOSE: CommandSpec = {
  name: "CLOSE",
  structureSize: 24,
  needsSession: true,
  needsTree: true,
  handle: close,
};

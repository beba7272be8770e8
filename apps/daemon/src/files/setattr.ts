/**
 * SETATTR for every protocol (NFS SETATTR, SMB SET_INFO basic/end-of-file/allocation): the size
 * is checked against the one FILE_SIZE_MAX and the NFS guard against the ctime before anything
 * changes, so a refused request leaves the file as it was (RFC 1813 §3.3.2: "the server must
 * not change anything" when it fails).
 */
import { FsError } from "../domain/errors.ts";
import { FILE_SIZE_MAX } from "../domain/limits.ts";
import type { CreateHow, FileAttr, MutationResult, SetAttrs, WccAttr } from "../metadata/types.ts";
import { added, setAttrsChanged } from "./changes.ts";
import type { DataDeps } from "./data.ts";
import { streamSize } from "./streams.ts";
import type { FileCall, SetAttrRequest } from "./types.ts";

/** EINVAL for a size that is not a byte count, EFBIG past the largest file size. */
export function checkSize(attrs: SetAttrs): void {
  const size = attrs.size;
  if (size === undefined) return;
  if (!Number.isSafeInteger(size) || size < 0) throw new FsError("EINVAL", "size");
  if (size > FILE_SIZE_MAX) throw new FsError("EFBIG", "past the largest file size");
}

export async function setattr(
  d: DataDeps,
  f: FileCall,
  s: SetAttrRequest,
): Promise<{ before: WccAttr; after: FileAttr }> {
  checkSize(s.attrs);
  if (f.stream !== undefined) return setStreamAttrs(d, f, s);
  if (s.guardCtime !== undefined) {
    // Checked again inside the metadata transaction; this early check keeps a stale guard from
    // breaking other clients' caching (the change gates) for a request that changes nothing.
    const { ctime } = await d.metadata.getattr(f.handle);
    if (ctime.sec !== s.guardCtime.sec || ctime.nsec !== s.guardCtime.nsec) {
      throw new FsError("EINVAL", "NOT_SYNC");
    }
  }
  s.beforeChange?.();
  await d.changes.gate({ kind: "setattr", caller: f.caller, share: f.share, handle: f.handle });
  const r = await d.metadata.setattr(f.caller, f.handle, s.attrs, s.guardCtime);
  await truncateAfter(d, f, r.before.size, r.after);
  const changed = setAttrsChanged(s.attrs, r.before.size !== r.after.size);
  d.changes.modified({ share: f.share.name, handle: f.handle, fileid: r.after.fileid, changed });
  return r;
}

/** A stream open: the size is the stream's, every other attribute the file's. */
async function setStreamAttrs(d: DataDeps, f: FileCall, s: SetAttrRequest) {
  const { size, ...rest } = s.attrs;
  const before = await streamSize(d, f);
  s.beforeChange?.();
  if (Object.values(rest).some((v) => v !== undefined)) {
    await d.metadata.setattr(f.caller, f.handle, rest);
  }
  const after = await streamSize(d, f, size);
  return { before: { size: before.size, mtime: before.mtime, ctime: before.ctime }, after };
}

/**
 * The payload follows a committed size change (metadata first: a crash in between leaves bytes
 * past the size, which reads never return, rather than a size whose bytes are gone).
 */
export async function truncateAfter(
  d: DataDeps,
  f: FileCall,
  before: number,
  after: FileAttr,
): Promise<void> {
  if (after.payloadId === null || after.size === before) return;
  await d.payload.truncate(f.share.name, after.payloadId, after.size);
}

/** CREATE: an UNCHECKED create over an existing file applies the requested size (RFC 1813 §3.3.8). */
/**
 * A file was just made: its payload id is new, so the payload engine knows the block store holds
 * none of it (no download before a read or an upload; payload/write-once.ts on fs stores).
 */
export function announceNew(d: DataDeps, f: FileCall, attr: FileAttr): void {
  if (attr.payloadId !== null) d.payload.created?.(f.share.name, attr.payloadId);
}

export async function create(
  d: DataDeps,
  dir: FileCall,
  name: string,
  attrs: SetAttrs,
  how: CreateHow,
): Promise<MutationResult> {
  checkSize(attrs);
  const made = d.metadata.create(dir.caller, dir.handle, name, attrs, how);
  const r = await d.changes.told(made, [added(dir, name, false)]);
  if (r.created === true) announceNew(d, dir, r.attr);
  if (r.sizeBefore !== undefined) await truncateAfter(d, dir, r.sizeBefore, r.attr);
  return r;
}

/**
 * The data path: WRITE, READ and COMMIT/FLUSH for every protocol. Each validates the whole
 * request (range against FILE_SIZE_MAX, locks, permissions) before the first change, then runs
 * payload before metadata: the bytes are in the WAL and cache before the size covers them, so a
 * reader never sees a size whose bytes are missing (docs/architecture.md "Write path").
 */

import { FsError } from "../domain/errors.ts";
import { FILE_SIZE_MAX } from "../domain/limits.ts";
import { isPending } from "../domain/pending.ts";
import type { TrafficSink } from "../domain/stats.ts";
import type { FileAttr, MetadataService } from "../metadata/types.ts";
import type { PayloadService } from "../payload/types.ts";
import { type FileChanges, MODIFIED } from "./changes.ts";
import type { Orphans } from "./orphans.ts";
import { readStream, writeStream } from "./streams.ts";
import type { FileCall, ReadRequest, ReadResult, WriteRequest, WriteResult } from "./types.ts";

export interface DataDeps {
  metadata: MetadataService;
  payload: PayloadService;
  changes: FileChanges;
  /** Counts every READ/WRITE per share and client (the console's throughput); absent: not counted. */
  traffic?: TrafficSink;
  orphans: Orphans;
}

/**
 * Scale-out (docs/architecture.md "Scale-out"): on a share in shared mode the payload drops cached
 * blocks another daemon replaced — on LOOKUP (the NFS "open") always, on GETATTR and READ within
 * the attribute cache bound. Nothing elsewhere (the payload knows which shares run in shared mode).
 */
/**
 * Checked synchronously: undefined (nothing to await) unless the share runs in shared mode, so
 * GETATTR, LOOKUP and READ of other shares take no microtask hop for it.
 */
export function revalidate(
  d: DataDeps,
  share: string,
  attr: FileAttr,
  reason: "lookup" | "getattr" | "read",
): Promise<void> | undefined {
  if (attr.payloadId === null || attr.type !== "file" || !d.payload.validates?.(share)) return undefined;
  return d.payload.validate?.(share, attr.payloadId, reason);
}
const SIZE_MAX = BigInt(FILE_SIZE_MAX);

/** EFBIG unless [offset, offset + length) lies below the largest file size. */
export function checkEnd(offset: bigint, length: number): number {
  if (offset < 0n) throw new FsError("EINVAL", "negative offset");
  if (offset + BigInt(length) > SIZE_MAX) throw new FsError("EFBIG", "past the largest file size");
  return Number(offset);
}

export async function write(d: DataDeps, f: FileCall, w: WriteRequest): Promise<WriteResult> {
  if (f.stream !== undefined) return writeStream(d, f, w);
  const count = w.data.length;
  const empty = count === 0 && w.emptyChangesNothing === true;
  const offset = w.append ? BigInt((await d.metadata.getattr(f.handle)).size) : w.offset;
  const start = empty ? 0 : checkEnd(offset, count);
  const gated =
    d.changes.gated && d.changes.gate({ kind: "write", caller: f.caller, share: f.share, handle: f.handle });
  if (gated) await gated;
  const { payloadId, before } = await d.metadata.prepareWrite(f.caller, f.handle);
  if (w.lock && count > 0) {
    const probe = { ...w.lock, kind: "exclusive" as const, offset: BigInt(start), length: BigInt(count) };
    if (d.metadata.testLock(f.handle, probe, true)) throw new FsError("EAGAIN", "range locked");
  }
  w.beforeChange?.();
  if (empty) return { before, after: null, offset, count };
  await d.payload.writeAt(f.share.name, payloadId, start, w.data, w.stability);
  // An UNSTABLE write's size and mtime are durable by the COMMIT (commit below), as its bytes.
  const after = await d.metadata.commitWrite(f.handle, start + count, w.stability === "unstable");
  d.traffic?.record(f.share.name, f.client, "write", count);
  if (d.changes.watchesModified) {
    const changed = MODIFIED.writeTime | (after.size !== before.size ? MODIFIED.size : 0);
    d.changes.modified({ share: f.share.name, handle: f.handle, fileid: after.fileid, changed });
  }
  return { before, after, offset, count };
}

/**
 * No async frame unless something must wait: with a synchronous store and the range cached, the
 * whole READ runs now and answers with a settled promise (metadata prepareReadNow, payload
 * readPartsNow); a change gate, a shared-mode revalidation or a download continues asynchronously.
 */
export function read(d: DataDeps, f: FileCall, r: ReadRequest): Promise<ReadResult> {
  if (f.stream !== undefined) return readStream(d, f, r);
  try {
    const gated =
      d.changes.gated && d.changes.gate({ kind: "read", caller: f.caller, share: f.share, handle: f.handle });
    if (gated) return gated.then(() => readNow(d, f, r));
    const got = readNow(d, f, r);
    return isPending(got) ? got : Promise.resolve(got);
  } catch (e) {
    return Promise.reject(e);
  }
}

function readNow(d: DataDeps, f: FileCall, r: ReadRequest): ReadResult | Promise<ReadResult> {
  const prepared = d.metadata.prepareReadNow(f.caller, f.handle);
  if (isPending(prepared)) return prepared.then((p) => readPrepared(d, f, r, p.payloadId, p.attr));
  return readPrepared(d, f, r, prepared.payloadId, prepared.attr);
}

/** After the permission check: the shared-mode cache check, then the bytes. */
function readPrepared(
  d: DataDeps,
  f: FileCall,
  r: ReadRequest,
  payloadId: string,
  attr: FileAttr,
): ReadResult | Promise<ReadResult> {
  const validating = revalidate(d, f.share.name, attr, "read");
  if (validating !== undefined) return validating.then(() => readChecked(d, f, r, payloadId, attr));
  return readChecked(d, f, r, payloadId, attr);
}

function readChecked(
  d: DataDeps,
  f: FileCall,
  r: ReadRequest,
  payloadId: string,
  attr: FileAttr,
): ReadResult | Promise<ReadResult> {
  if (r.lock && d.metadata.testLock(f.handle, { ...r.lock, kind: "shared" }, true)) {
    throw new FsError("EAGAIN", "range locked by another owner");
  }
  if (r.offset >= attr.size) {
    d.traffic?.record(f.share.name, f.client, "read", 0);
    return { attr, parts: [], length: 0, eof: true };
  }
  const len = Math.min(r.count, attr.size - r.offset);
  if (len === 0) return readResult(d, f, r, attr, [], len);
  const parts = d.payload.readPartsNow(f.share.name, payloadId, r.offset, len, r.hold === true);
  if (isPending(parts)) return parts.then((p) => readResult(d, f, r, attr, p, len));
  return readResult(d, f, r, attr, parts, len);
}

function readResult(
  d: DataDeps,
  f: FileCall,
  r: ReadRequest,
  attr: FileAttr,
  parts: Buffer[],
  len: number,
): ReadResult {
  let got = 0;
  for (const b of parts) got += b.length;
  // Held parts (r.hold): the payload's, before the zeros below (which no pool lent).
  const held = r.hold === true ? parts.slice() : undefined;
  // A payload shorter than the size (sparse tail) reads as zeros (docs/architecture.md "Read path").
  if (got < len) parts.push(Buffer.alloc(len - got));
  d.traffic?.record(f.share.name, f.client, "read", len);
  return { attr, parts, length: len, eof: r.offset + len >= attr.size, held };
}

/**
 * NFS COMMIT / SMB FLUSH: every acknowledged write of the file is durable on return, its bytes
 * first, then the size and mtime UNSTABLE writes left to the store (docs/architecture.md "Sizes of
 * unstable writes"): a crash in between leaves bytes past the size, never a size whose bytes are
 * missing. A directory is EISDIR; another non-file is EINVAL, or nothing to do when `nonFileOk` (SMB).
 */
export async function commit(
  d: DataDeps,
  f: FileCall,
  nonFileOk = false,
): Promise<{ before: FileAttr; after: FileAttr }> {
  const before = await d.metadata.getattr(f.handle);
  // A stream's bytes are committed with the metadata transaction that wrote them.
  if (f.stream !== undefined) return { before, after: before };
  if (before.type === "dir") throw new FsError("EISDIR");
  if (before.payloadId === null) {
    if (nonFileOk) return { before, after: before };
    throw new FsError("EINVAL", "commit of a non-regular file");
  }
  await d.payload.commit(f.share.name, before.payloadId);
  await d.metadata.persist(f.handle);
  return { before, after: await d.metadata.getattr(f.handle) };
}

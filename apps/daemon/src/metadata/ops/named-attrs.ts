/**
 * Named attributes: values kept beside a file under a name, one kind per use — named data
 * streams ([MS-FSCC] §2.1.4 "file:name:$DATA") and extended attributes ([MS-FSCC] §2.4.15). They
 * live in the metadata store with the inode, so every store and every protocol sees them, and
 * they go with the inode when its last link and open do. Each kind has its limits here, checked
 * before the first write of a transaction.
 */
import { FsError } from "../../domain/errors.ts";
import { mustExist, type Rec, type ServiceCore, type ShareState } from "../core.ts";
import type { MetadataTx } from "../metadata-store.ts";
import type { NamedAttr, NamedAttrChange, NamedAttrKind, NamedAttrSize } from "../named-attr-types.ts";
import { isOwnerOrRoot, mayAccess, R, W } from "../permissions.ts";
import type { Caller } from "../types.ts";

/** Named streams one file may have (the default data stream not counted). */
export const STREAMS_PER_FILE_MAX = 32;
/** The largest named stream, in bytes: streams are metadata, read and written whole per call. */
export const STREAM_BYTES_MAX = 1024 * 1024;
/** Extended attributes one file may have. */
export const EAS_PER_FILE_MAX = 128;
/** All of a file's EA names and values together ([MS-FSCC] §2.4.15: Windows keeps 64 KiB). */
export const EA_BYTES_PER_FILE_MAX = 64 * 1024;
/** Characters in a stream or EA name. */
export const NAMED_ATTR_NAME_MAX = 255;

const COUNT_MAX: Readonly<Record<NamedAttrKind, number>> = {
  stream: STREAMS_PER_FILE_MAX,
  ea: EAS_PER_FILE_MAX,
  acl: 1,
};

function checkName(name: string): void {
  if (name.length === 0 || name.length > NAMED_ATTR_NAME_MAX)
    throw new FsError("EINVAL", "named attribute name");
}

/** nfsd's owner override, as for file data (ops/data.ts). */
function requireData(core: ServiceCore, caller: Caller, rec: Rec, share: ShareState, want: number): void {
  const id = core.identity(share, caller);
  if (!isOwnerOrRoot(id, rec) && !mayAccess(id, rec, want)) throw new FsError("EACCES");
}

/** The value of `(kind, name)` on the file; ENOENT if it has none. */
export async function namedAttr(
  core: ServiceCore,
  caller: Caller,
  handle: Buffer,
  kind: NamedAttrKind,
  name: string,
): Promise<Buffer> {
  const t = core.target(handle);
  return t.share.store.transaction(async (tx) => {
    const rec = mustExist(await tx.getInode(t.id), t.share);
    requireData(core, caller, rec, t.share, R);
    const value = await tx.getNamedAttr(t.id, kind, name);
    if (value === undefined) throw new FsError("ENOENT", name);
    return value;
  });
}

/** Every named attribute of `kind` on the file, in name order (no permission needed to list). */
export function namedAttrs(core: ServiceCore, handle: Buffer, kind: NamedAttrKind): Promise<NamedAttr[]> {
  return listing(core, handle, (tx, id) => tx.listNamedAttrs(id, kind));
}

/** The names and sizes of `kind` on the file, in name order, without reading the values. */
export function namedAttrSizes(
  core: ServiceCore,
  handle: Buffer,
  kind: NamedAttrKind,
): Promise<NamedAttrSize[]> {
  return listing(core, handle, (tx, id) => tx.listNamedAttrSizes(id, kind));
}

async function listing<T>(
  core: ServiceCore,
  handle: Buffer,
  list: (tx: MetadataTx, id: bigint) => T | Promise<T>,
): Promise<T> {
  const t = core.target(handle);
  return t.share.store.transaction(async (tx) => {
    mustExist(await tx.getInode(t.id), t.share);
    return list(tx, t.id);
  });
}

function resized(value: Buffer, size: number): Buffer {
  if (size <= value.length) return value.subarray(0, size);
  return Buffer.concat([value, Buffer.alloc(size - value.length)]);
}

type ValueChange = Exclude<NamedAttrChange, { op: "rename" }>;

/** The value after `change` (undefined: deleted), or the errno the change fails with. */
function apply(old: Buffer | undefined, change: ValueChange): Buffer | undefined {
  switch (change.op) {
    case "create":
      if (old !== undefined) throw new FsError("EEXIST");
      return Buffer.alloc(0);
    case "put":
      return change.value;
    case "write": {
      const end = change.offset + change.data.length;
      const next = resized(old ?? Buffer.alloc(0), Math.max(end, old?.length ?? 0));
      const out = Buffer.from(next);
      change.data.copy(out, change.offset);
      return out;
    }
    case "truncate":
      if (old === undefined) throw new FsError("ENOENT");
      return Buffer.from(resized(old, change.size));
    case "delete":
      if (old === undefined) throw new FsError("ENOENT");
      return undefined;
  }
}

function checkSize(kind: NamedAttrKind, change: NamedAttrChange): void {
  const end =
    change.op === "write"
      ? change.offset + change.data.length
      : change.op === "truncate"
        ? change.size
        : change.op === "put"
          ? change.value.length
          : 0;
  if (!Number.isSafeInteger(end) || end < 0) throw new FsError("EINVAL", "named attribute range");
  if (kind === "stream" && end > STREAM_BYTES_MAX) throw new FsError("EFBIG", "stream too large");
}

/** The count and (for EAs) total-size limits, with `name` about to hold `next`. */
async function checkLimits(
  tx: MetadataTx,
  id: bigint,
  kind: NamedAttrKind,
  name: string,
  next: Buffer,
  isNew: boolean,
): Promise<void> {
  if (!isNew && kind === "stream") return;
  const all = await tx.listNamedAttrSizes(id, kind);
  if (isNew && all.length >= COUNT_MAX[kind]) throw new FsError("ENOSPC", `too many ${kind}s on the file`);
  if (kind !== "ea") return;
  const others = all.filter((a) => a.name !== name);
  const bytes = others.reduce((n, a) => n + a.name.length + a.size, name.length + next.length);
  if (bytes > EA_BYTES_PER_FILE_MAX) throw new FsError("ENOSPC", "extended attributes too large");
}

/**
 * Applies `change` to `(kind, name)` of the file as the caller (write permission or ownership,
 * a writable share), bumping the file's ctime; returns the value's size afterwards (0 deleted).
 */
export async function changeNamedAttr(
  core: ServiceCore,
  caller: Caller,
  handle: Buffer,
  kind: NamedAttrKind,
  name: string,
  change: NamedAttrChange,
): Promise<number> {
  checkName(name);
  if (change.op === "rename") checkName(change.to);
  checkSize(kind, change);
  const t = core.target(handle);
  core.requireWritable(t.share);
  return t.share.store.transaction(async (tx) => {
    await tx.lock([t.id]);
    const rec = mustExist(await tx.getInode(t.id), t.share);
    requireData(core, caller, rec, t.share, W);
    const size =
      change.op === "rename"
        ? await renameIn(tx, t.id, kind, name, change)
        : await changeIn(tx, t.id, kind, name, change);
    await tx.updateInode({ ...rec, ctime: core.clock.now() });
    return size;
  });
}

async function changeIn(
  tx: MetadataTx,
  id: bigint,
  kind: NamedAttrKind,
  name: string,
  change: ValueChange,
): Promise<number> {
  const old = await tx.getNamedAttr(id, kind, name);
  const next = apply(old, change);
  if (next === undefined) await tx.deleteNamedAttr(id, kind, name);
  else {
    await checkLimits(tx, id, kind, name, next, old === undefined);
    await tx.putNamedAttr(id, kind, name, next);
  }
  return next?.length ?? 0;
}

/** A rename: the count stays, so no limit applies; the value moves within the transaction. */
async function renameIn(
  tx: MetadataTx,
  id: bigint,
  kind: NamedAttrKind,
  name: string,
  change: { to: string; replace: boolean },
): Promise<number> {
  const value = await tx.getNamedAttr(id, kind, name);
  if (value === undefined) throw new FsError("ENOENT", name);
  if (change.to === name) return value.length;
  if (!change.replace && (await tx.getNamedAttr(id, kind, change.to)) !== undefined)
    throw new FsError("EEXIST", change.to);
  await tx.putNamedAttr(id, kind, change.to, value);
  await tx.deleteNamedAttr(id, kind, name);
  return value.length;
}

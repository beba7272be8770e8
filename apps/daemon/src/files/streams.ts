/**
 * Named data streams ([MS-FSCC] §2.1.4, SMB "file:name:$DATA"): a call whose FileCall names a
 * stream reads, writes, sizes and deletes that stream instead of the file's data; everything else
 * (times, attributes, ownership) stays the file's. Streams are metadata named attributes
 * (metadata/ops/named-attrs.ts: their count and size limits), so every store keeps them and they
 * go with the file. Names compare case-insensitively, as NTFS compares them; the first spelling
 * is kept.
 */
import { escapeBuffer } from "../domain/buffer-pool.ts";
import { FsError } from "../domain/errors.ts";
import type { FileAttr, MetadataService, WccAttr } from "../metadata/types.ts";
import type {
  FileCall,
  OpenAction,
  OpenDisposition,
  ReadRequest,
  ReadResult,
  WriteRequest,
  WriteResult,
} from "./types.ts";

/** What stream calls need (a subset of files/data.ts DataDeps, which imports this module). */
interface DataDeps {
  metadata: MetadataService;
}

export interface OpenedStream {
  name: string;
  action: OpenAction;
  size: number;
}

export interface StreamInfo {
  name: string;
  size: number;
}

/** Bytes a stream is reported to occupy: whole 4 KiB clusters, as for file data. */
function allocated(size: number): number {
  return Math.ceil(size / 4096) * 4096;
}

/** The stream's attributes as a stream open reports them: the file's, with the stream's sizes. */
export function streamAttr(file: FileAttr, size: number): FileAttr {
  return { ...file, type: "file", size, used: allocated(size) };
}

function toWcc(attr: FileAttr): WccAttr {
  return { size: attr.size, mtime: attr.mtime, ctime: attr.ctime };
}

/** The file's named streams with their sizes, in name order (their values are not read). */
export function streams(d: DataDeps, f: FileCall): Promise<StreamInfo[]> {
  return d.metadata.namedAttrSizes(f.handle, "stream");
}

/**
 * The stored spelling of `name` on the file, or null if it has no such stream. Names compare
 * case-insensitively (as NTFS, Unicode-aware), so the match runs over the listed names rather
 * than as a store key; values are not read.
 */
async function findStream(d: DataDeps, f: FileCall, name: string): Promise<StreamInfo | null> {
  const lower = name.toLowerCase();
  return (await streams(d, f)).find((s) => s.name.toLowerCase() === lower) ?? null;
}

/** The open's stream: it must still exist (removed by another open's delete: ENOENT). */
async function current(d: DataDeps, f: FileCall): Promise<{ name: string; value: Buffer }> {
  const name = f.stream!;
  return { name, value: await d.metadata.namedAttr(f.caller, f.handle, "stream", name) };
}

const OVERWRITES: ReadonlySet<OpenDisposition> = new Set(["supersede", "overwrite", "overwrite-if"]);

/**
 * Opens the stream `name` of the (opened) file `f` as `disposition` says ([MS-FSA] §2.1.5.1),
 * creating or emptying it; `admit` runs first (share modes), so a refused open changes nothing.
 */
export async function openStream(
  d: DataDeps,
  f: FileCall,
  name: string,
  disposition: OpenDisposition,
  admit: (name: string) => void | Promise<void>,
): Promise<OpenedStream> {
  const found = await findStream(d, f, name);
  if (found === null && (disposition === "open" || disposition === "overwrite"))
    throw new FsError("ENOENT", name);
  if (found !== null && disposition === "create") throw new FsError("EEXIST", name);
  const canonical = found?.name ?? name;
  await admit(canonical);
  const md = d.metadata;
  if (found === null) {
    await md.changeNamedAttr(f.caller, f.handle, "stream", canonical, { op: "create" });
    return { name: canonical, action: "created", size: 0 };
  }
  if (!OVERWRITES.has(disposition)) return { name: canonical, action: "opened", size: found.size };
  await md.changeNamedAttr(f.caller, f.handle, "stream", canonical, { op: "truncate", size: 0 });
  return { name: canonical, action: disposition === "supersede" ? "superseded" : "overwritten", size: 0 };
}

export async function readStream(d: DataDeps, f: FileCall, r: ReadRequest): Promise<ReadResult> {
  const { value } = await current(d, f);
  const attr = streamAttr(await d.metadata.getattr(f.handle), value.length);
  const data = r.offset >= value.length ? Buffer.alloc(0) : value.subarray(r.offset, r.offset + r.count);
  return { attr, parts: [data], length: data.length, eof: r.offset + data.length >= value.length };
}

export async function writeStream(d: DataDeps, f: FileCall, w: WriteRequest): Promise<WriteResult> {
  const { name, value } = await current(d, f);
  const file = await d.metadata.getattr(f.handle);
  const before = toWcc(streamAttr(file, value.length));
  const offset = w.append ? BigInt(value.length) : w.offset;
  if (offset > BigInt(Number.MAX_SAFE_INTEGER)) throw new FsError("EFBIG", "stream offset");
  w.beforeChange?.();
  if (w.data.length === 0 && w.emptyChangesNothing) return { before, after: null, offset, count: 0 };
  // The metadata store may keep the bytes as they are: a received frame's memory is never reused.
  escapeBuffer(w.data);
  const change = { op: "write" as const, offset: Number(offset), data: w.data };
  const size = await d.metadata.changeNamedAttr(f.caller, f.handle, "stream", name, change);
  const after = streamAttr(await d.metadata.getattr(f.handle), size);
  return { before, after, offset, count: w.data.length };
}

/** The stream's attributes, or with `size` its new size (SMB SET_INFO end of file on a stream open). */
export async function streamSize(d: DataDeps, f: FileCall, size?: number): Promise<FileAttr> {
  const { name, value } = await current(d, f);
  let now = value.length;
  if (size !== undefined && size !== now) {
    now = await d.metadata.changeNamedAttr(f.caller, f.handle, "stream", name, { op: "truncate", size });
  }
  return streamAttr(await d.metadata.getattr(f.handle), now);
}

/**
 * Renames the stream `f` names to `to` ([MS-FSA] §2.1.5.15.11.1): another stream of that name
 * (compared case-insensitively) is replaced when `replace`, else EEXIST; renaming a stream to its
 * own name in another case respells it. The move is one metadata transaction
 * (metadata/ops/named-attrs.ts), so every store and protocol sees the stream under one name.
 */
export async function renameStream(d: DataDeps, f: FileCall, to: string, replace: boolean): Promise<void> {
  const from = f.stream!;
  const found = await findStream(d, f, to);
  const md = d.metadata;
  if (found !== null && found.name.toLowerCase() !== from.toLowerCase()) {
    if (!replace) throw new FsError("EEXIST", to);
    // The stored spelling differs from `to`: the store's exact-name rename would not replace it.
    if (found.name !== to)
      await md.changeNamedAttr(f.caller, f.handle, "stream", found.name, { op: "delete" });
  }
  await md.changeNamedAttr(f.caller, f.handle, "stream", from, { op: "rename", to, replace });
}

/** Delete on close of a stream open: the stream goes, the file stays. */
export async function removeStream(d: DataDeps, f: FileCall): Promise<void> {
  try {
    await d.metadata.changeNamedAttr(f.caller, f.handle, "stream", f.stream!, { op: "delete" });
  } catch (e) {
    // The file went first (its streams with it) or another open removed the stream.
    if (!(e instanceof FsError && (e.code === "ENOENT" || e.code === "ESTALE"))) throw e;
  }
}

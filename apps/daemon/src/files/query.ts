/**
 * Read-only questions about one file, for every protocol (NFS GETATTR/LOOKUP/ACCESS/READLINK/
 * FSSTAT/FSINFO/PATHCONF): each is the metadata answer plus the attributes the reply carries, in
 * the order the handlers had them (the answer first, so a failing check reads no attributes).
 */
import {
  ACCESS_DELETE,
  ACCESS_EXTEND,
  ACCESS_MODIFY,
  type FileAttr,
  type FsStat,
  type LookupResult,
} from "../metadata/types.ts";
import { type DataDeps, revalidate } from "./data.ts";
import type { FileCall } from "./types.ts";

export type LookupWithDir = LookupResult & { dirAttr: FileAttr };

/** `name` in `dir`, with the directory's attributes after the lookup (RFC 1813 §3.3.3). */
export function lookup(d: DataDeps, dir: FileCall, name: string): Promise<LookupWithDir> {
  const found = d.metadata.lookupWithDir(dir.caller, dir.handle, name);
  // The metadata answer's own promise unless the share runs in shared mode (no frame, no hop).
  if (d.payload.validates?.(dir.share.name) !== true) return found;
  return found.then(async (f) => {
    const validating = revalidate(d, dir.share.name, f.attr, "lookup");
    if (validating !== undefined) await validating;
    return f;
  });
}

const WRITE_BITS = ACCESS_MODIFY | ACCESS_EXTEND | ACCESS_DELETE;

/**
 * The subset of `mask` (ACCESS3_* bits) the caller is granted: the mode bits' answer, less the
 * write bits when the share's access policy gave this caller less than read-write.
 */
export function access(d: DataDeps, f: FileCall, mask: number): Promise<{ attr: FileAttr; granted: number }> {
  // The metadata answer's own promise (one load, settled at once over a synchronous store).
  const answer = d.metadata.access(f.caller, f.handle, mask);
  if (f.access?.level === "read-write") return answer;
  return answer.then(({ attr, granted }) => ({ attr, granted: granted & ~WRITE_BITS }));
}

export function readlink(d: DataDeps, f: FileCall): Promise<{ attr: FileAttr; target: string }> {
  return d.metadata.readlink(f.caller, f.handle);
}

export async function fsstat(d: DataDeps, f: FileCall): Promise<{ attr: FileAttr; st: FsStat }> {
  const st = await d.metadata.fsstat(f.handle);
  return { attr: await d.metadata.getattr(f.handle), st };
}

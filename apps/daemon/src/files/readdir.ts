/**
 * Directory listing for NFS READDIR/READDIRPLUS (RFC 1813 §3.3.16–17): a page of the metadata
 * service's entries, "." and ".." first when the listing starts before them, and the directory's
 * attributes for the reply. How many entries fit a reply is the protocol's business.
 */
import type { DirEntry, FileAttr, ReaddirResult } from "../metadata/types.ts";
import type { DataDeps } from "./data.ts";
import type { FileCall } from "./types.ts";

export interface ReaddirRequest {
  /** 0 = from the start; 1 and 2 are "." and ".."; the service's entry cookies start at 3. */
  cookie: bigint;
  verifier: Buffer;
  /** Entries wanted, dots included. */
  max: number;
}

export interface ReaddirPage {
  dirAttr: FileAttr;
  result: ReaddirResult;
}

export async function readdir(d: DataDeps, dir: FileCall, r: ReaddirRequest): Promise<ReaddirPage> {
  const result = await readdirWithDots(d, dir, r);
  return { dirAttr: result.dirAttr, result };
}

/** Cookies 1 and 2 are ours for "." and ".." (the service starts its entry cookies at 3). */
const DOT_COOKIE = 1n;
const DOTDOT_COOKIE = 2n;

/**
 * The service's entries after `cookie`, preceded by "." and ".." when the listing starts before
 * them: POSIX readers (and libnfs) expect both, and RFC 1813 leaves them to the server.
 */
async function readdirWithDots(d: DataDeps, dir: FileCall, r: ReaddirRequest): Promise<ReaddirResult> {
  const { caller, handle } = dir;
  const fromStart = r.cookie <= DOTDOT_COOKIE;
  const result = await d.metadata.readdir(
    caller,
    handle,
    fromStart ? 0n : r.cookie,
    fromStart ? null : r.verifier,
    r.max,
  );
  if (!fromStart) return result;
  const dots: DirEntry[] = [];
  if (r.cookie < DOT_COOKIE) {
    const attr = result.dirAttr;
    dots.push({ name: ".", fileid: attr.fileid, cookie: DOT_COOKIE, handle, attr });
  }
  const parent = await d.metadata.lookup(caller, handle, "..");
  dots.push({
    name: "..",
    fileid: parent.attr.fileid,
    cookie: DOTDOT_COOKIE,
    handle: parent.handle,
    attr: parent.attr,
  });
  return { ...result, entries: [...dots, ...result.entries] };
}

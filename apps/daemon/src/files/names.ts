/**
 * Operations on directory entries, for every protocol (NFS REMOVE/RMDIR/RENAME/LINK, SMB
 * SET_INFO rename/link, SMB delete-on-close through close.ts): one metadata transaction each.
 * The payload of a file whose last link goes is deleted after that transaction commits, never
 * before, so a failed remove cannot leave a name without its data (the metadata service still
 * starts that delete: metadata/core.ts ServiceCore.bury).
 */
import type { DirChangeResult, FileAttr, WccAttr } from "../metadata/types.ts";
import type { DataDeps } from "./data.ts";
import type { FileCall } from "./types.ts";

export interface RenameResult {
  fromBefore: WccAttr;
  fromAfter: FileAttr;
  toBefore: WccAttr;
  toAfter: FileAttr;
}

export interface LinkResult {
  attr: FileAttr;
  dirBefore: WccAttr;
  dirAfter: FileAttr;
}

export function remove(d: DataDeps, dir: FileCall, name: string): Promise<DirChangeResult> {
  return d.metadata.remove(dir.caller, dir.handle, name);
}

export function rmdir(d: DataDeps, dir: FileCall, name: string): Promise<DirChangeResult> {
  return d.metadata.rmdir(dir.caller, dir.handle, name);
}

/** `toDir` must be in the share of `from` (EXDEV otherwise: the metadata service checks it). */
export function rename(
  d: DataDeps,
  from: FileCall,
  fromName: string,
  toDir: Buffer,
  toName: string,
): Promise<RenameResult> {
  return d.metadata.rename(from.caller, from.handle, fromName, toDir, toName);
}

export interface LinkRequest {
  /** The file to give another name. */
  file: Buffer;
  name: string;
  /**
   * The name exists as another file and goes first ([MS-FSCC] §2.4.21.2 ReplaceIfExists, after
   * the protocol checked nothing holds it open); NFS LINK never replaces (RFC 1813 §3.3.15 EXIST).
   */
  replace?: boolean;
}

export async function link(d: DataDeps, dir: FileCall, l: LinkRequest): Promise<LinkResult> {
  if (l.replace) await d.metadata.remove(dir.caller, dir.handle, l.name);
  return d.metadata.link(dir.caller, l.file, dir.handle, l.name);
}

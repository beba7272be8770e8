/**
 * SMB path names ([MS-FSCC] §2.1.5): backslash-separated, relative to the share root, UTF-16 on
 * the wire. A '/' in the file part separates components too, as Samba reads it (smbtorture
 * smb2.timestamps opens "dir/file"); a trailing '/' is invalid ([MS-FSA] §2.1.5.1, as Samba); ".."
 * goes back a component inside the share (smb2.notify.tree opens "dir\\sub\\.."). A ":name" or
 * ":name:$DATA" suffix names a stream of the file ([MS-FSCC] §2.1.5.1 stream names,
 * files/streams.ts); "::$DATA" names the file itself.
 */
import { PathNotFound, type Walked } from "../../files/open.ts";
import type { FileService } from "../../files/service.ts";
import type { FileCall } from "../../files/types.ts";
import {
  STATUS_OBJECT_NAME_INVALID,
  STATUS_OBJECT_PATH_NOT_FOUND,
  STATUS_OBJECT_PATH_SYNTAX_BAD,
} from "./ntstatus.ts";
import { SmbError } from "./status.ts";

export const MAX_NAME_CHARS = 255;
export const MAX_PATH_COMPONENTS = 256;
/** [MS-FSCC] §2.1.5.2: characters never valid in a file name component. */
const INVALID_CHARS = '"*/:<>?|';

/** A UTF-16 surrogate without its pair: not a character; clients cannot convert it (smbclient fails the whole listing). */
const LONE_SURROGATE = /\p{Cs}/u;

function invalidName(c: string): boolean {
  if (LONE_SURROGATE.test(c)) return true;
  for (const ch of c) if (ch.charCodeAt(0) < 0x20 || INVALID_CHARS.includes(ch)) return true;
  return false;
}

export interface ParsedPath {
  components: string[];
  /** The named stream asked for (null: the file's own data, no suffix or "::$DATA"). */
  stream: string | null;
  /** "::$DATA" named the file's own data stream: the object must not be a directory. */
  dataStream: boolean;
}

/** The stream name of a ":name[:type]" suffix (without the leading ':'); only $DATA streams exist. */
function streamName(suffix: string): string | null {
  const parts = suffix.split(":");
  const [name = "", type] = parts;
  if (parts.length > 2 || (type !== undefined && type.toUpperCase() !== "$DATA")) {
    throw new SmbError(STATUS_OBJECT_NAME_INVALID, "stream type");
  }
  if (name === "") {
    if (type === undefined) throw new SmbError(STATUS_OBJECT_NAME_INVALID, "empty stream name");
    return null;
  }
  // NTFS stream names may hold any character but these ([MS-FSCC] §2.1.5.3: ':' is the separator).
  if (
    name.length > MAX_NAME_CHARS ||
    /[\\/]/.test(name) ||
    name.includes("\0") ||
    LONE_SURROGATE.test(name)
  ) {
    throw new SmbError(STATUS_OBJECT_NAME_INVALID, "stream name");
  }
  return name;
}

export function parsePath(raw: string): ParsedPath {
  let path = raw;
  let stream: string | null = null;
  const colon = path.indexOf(":");
  if (colon >= 0) {
    stream = streamName(path.slice(colon + 1));
    path = path.slice(0, colon);
  }
  const dataStream = colon >= 0 && stream === null;
  if (path.length > 1 && path.endsWith("/")) throw new SmbError(STATUS_OBJECT_NAME_INVALID, "trailing '/'");
  const parts = path.split(/[\\/]/).filter((c) => c.length > 0 && c !== ".");
  if (parts.length > MAX_PATH_COMPONENTS) throw new SmbError(STATUS_OBJECT_NAME_INVALID, "too deep");
  const components: string[] = [];
  for (const c of parts) {
    // ".." goes back one component, lexically, never above the share root (as Samba resolves it).
    if (c === "..") {
      if (components.pop() === undefined) throw new SmbError(STATUS_OBJECT_PATH_SYNTAX_BAD, "above the root");
      continue;
    }
    if (c.length > MAX_NAME_CHARS || invalidName(c)) throw new SmbError(STATUS_OBJECT_NAME_INVALID, c);
    components.push(c);
  }
  return { components, stream, dataStream };
}

/**
 * FileService.walk with SMB's name rules (a name matches case-insensitively when none matches
 * exactly, [MS-FSA] §2.1.5.1) and status for a path whose directories do not all exist:
 * OBJECT_PATH_NOT_FOUND, where a missing last component is OBJECT_NAME_NOT_FOUND ([MS-FSA] §2.1.5.1).
 */
export function resolvePath(files: FileService, root: FileCall, components: string[]): Promise<Walked> {
  return withPathStatus(() => files.walk(root, components, { caseless: true }));
}

/** Runs a file-service call that walks a path, answering PathNotFound with OBJECT_PATH_NOT_FOUND. */
export async function withPathStatus<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof PathNotFound) throw new SmbError(STATUS_OBJECT_PATH_NOT_FOUND, e.message);
    throw e;
  }
}

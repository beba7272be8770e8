/**
 * SMB path names ([MS-FSCC] §2.1.5): backslash-separated, relative to the share root, UTF-16 on
 * the wire. A "::$DATA" stream suffix names the file itself; other streams are not supported.
 */
import type { Caller, LookupResult, MetadataService } from "../../metadata/types.ts";
import {
  STATUS_OBJECT_NAME_INVALID,
  STATUS_OBJECT_NAME_NOT_FOUND,
  STATUS_OBJECT_PATH_NOT_FOUND,
} from "./ntstatus.ts";
import { SmbError, withStatus } from "./status.ts";

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
  /** A named stream other than the default data stream was asked for. */
  stream: string | null;
}

export function parsePath(raw: string): ParsedPath {
  let path = raw;
  let stream: string | null = null;
  const colon = path.indexOf(":");
  if (colon >= 0) {
    const suffix = path.slice(colon);
    path = path.slice(0, colon);
    if (!/^::\$DATA$/i.test(suffix)) stream = suffix;
  }
  const components = path.split("\\").filter((c) => c.length > 0 && c !== ".");
  if (components.length > MAX_PATH_COMPONENTS) throw new SmbError(STATUS_OBJECT_NAME_INVALID, "too deep");
  for (const c of components) {
    if (c === ".." || c.length > MAX_NAME_CHARS || invalidName(c)) {
      throw new SmbError(STATUS_OBJECT_NAME_INVALID, c);
    }
  }
  return { components, stream };
}

export interface Resolved {
  /** Directory holding the last component (null when the path is the root). */
  parent: Buffer | null;
  name: string;
  /** The object itself, or null if the last component does not exist. */
  target: LookupResult | null;
}

/** Walks `components` from `root`; missing or non-directory intermediates are PATH_NOT_FOUND. */
export async function resolvePath(
  md: MetadataService,
  caller: Caller,
  root: Buffer,
  components: string[],
): Promise<Resolved> {
  if (components.length === 0)
    return { parent: null, name: "", target: { handle: root, attr: await md.getattr(root) } };
  let dir = root;
  for (const c of components.slice(0, -1)) {
    const r = await withStatus(
      { ENOENT: STATUS_OBJECT_PATH_NOT_FOUND, ENOTDIR: STATUS_OBJECT_PATH_NOT_FOUND },
      () => md.lookup(caller, dir, c),
    );
    if (r.attr.type !== "dir") throw new SmbError(STATUS_OBJECT_PATH_NOT_FOUND, c);
    dir = r.handle;
  }
  const name = components[components.length - 1]!;
  try {
    const target = await withStatus({ ENOTDIR: STATUS_OBJECT_PATH_NOT_FOUND }, () =>
      md.lookup(caller, dir, name),
    );
    return { parent: dir, name, target };
  } catch (e) {
    if (e instanceof SmbError && e.status === STATUS_OBJECT_NAME_NOT_FOUND)
      return { parent: dir, name, target: null };
    throw e;
  }
}

/**
 * Making a directory, symlink or special file in a directory, for every protocol (NFS MKDIR,
 * SYMLINK, MKNOD): one metadata transaction each, nothing in the payload (none of them has data;
 * a regular file is setattr.ts create, whose size is checked first).
 */
import type { MutationResult, SetAttrs } from "../metadata/types.ts";
import { added } from "./changes.ts";
import type { DataDeps } from "./data.ts";
import type { FileCall } from "./types.ts";

/** What to make: the types besides a regular file, each with what it alone carries. */
export type MakeRequest =
  | { type: "dir" }
  | { type: "symlink"; target: string }
  | { type: "chr" | "blk" | "sock" | "fifo"; rdev: { major: number; minor: number } };

export function make(
  d: DataDeps,
  dir: FileCall,
  name: string,
  attrs: SetAttrs,
  m: MakeRequest,
): Promise<MutationResult> {
  const md = d.metadata;
  const made =
    m.type === "dir"
      ? md.mkdir(dir.caller, dir.handle, name, attrs)
      : m.type === "symlink"
        ? md.symlink(dir.caller, dir.handle, name, m.target, attrs)
        : md.mknod(dir.caller, dir.handle, name, m.type, attrs, m.rdev);
  return d.changes.told(made, [added(dir, name, m.type === "dir")]);
}

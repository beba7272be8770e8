/** Name validation for directory entries (POSIX NAME_MAX; RFC 1813 §3.3.3 filename3). */
import { FsError } from "../domain/errors.ts";

export const NAME_MAX_BYTES = 255;
export const SYMLINK_TARGET_MAX_BYTES = 4096;

/** A name to create or remove: no `/`, no NUL, not `.`/`..`, non-empty, ≤ 255 bytes. */
export function validateNewName(name: string): void {
  validateLookupName(name);
  if (name === "." || name === "..") throw new FsError("EINVAL", `reserved name ${name}`);
}

/** A name to look up: `.` and `..` allowed. */
export function validateLookupName(name: string): void {
  if (name.length === 0) throw new FsError("EINVAL", "empty name");
  if (Buffer.byteLength(name, "utf8") > NAME_MAX_BYTES) throw new FsError("ENAMETOOLONG");
  if (name.includes("/") || name.includes("\0")) throw new FsError("EINVAL", "name contains / or NUL");
}

/**
 * Errno-style errors: the one error vocabulary of stores and services. Stores and services throw
 * `FsError`; each protocol maps `code` to its own status in one place (`protocols/nfs/status.ts`,
 * `protocols/smb/status.ts`). Never throw protocol statuses below the protocol layer.
 */
export type Errno =
  | "EPERM" // operation not permitted (not owner, sticky bit)
  | "ENOENT"
  | "EIO"
  | "ENXIO"
  | "EACCES" // permission denied by mode bits or share permission
  | "EEXIST"
  | "EXDEV" // rename/link across shares
  | "ENODEV"
  | "ENOTDIR"
  | "EISDIR"
  | "EINVAL"
  | "EFBIG"
  | "ENOSPC"
  | "EROFS"
  | "EMLINK"
  | "ENAMETOOLONG"
  | "ENOTEMPTY"
  | "EDQUOT"
  | "ESTALE" // handle of a deleted file or an unknown share
  | "EBADHANDLE" // malformed handle
  | "ENOTSUP"
  | "EAGAIN" // lock conflict, try again
  | "EGRACE" // a new lock in a restart's grace period, while only reclaims are taken: try later
  | "EDEADLK"
  | "EBUSY" // e.g. store in use by a share
  | "ETIMEDOUT"
  | "ELOOP"
  | "EBADCOOKIE" // readdir cookie no longer valid
  | "ETOOSMALL" // readdir buffer too small for one entry
  | "ESERVERFAULT"
  | "EJUKEBOX"; // try later (e.g. backend temporarily unavailable)

export class FsError extends Error {
  readonly code: Errno;
  constructor(code: Errno, message?: string) {
    super(message === undefined ? code : `${code}: ${message}`);
    this.name = "FsError";
    this.code = code;
  }
}

export function isFsError(e: unknown, code?: Errno): e is FsError {
  return e instanceof FsError && (code === undefined || e.code === code);
}

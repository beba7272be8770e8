/**
 * The one place errno (FsError codes from the services) becomes nfsstat3 (RFC 1813 §2.6), with
 * per-procedure overrides where the RFC asks for a specific status. Procedures may also throw
 * `NfsStatusError` for statuses that have no errno (NOT_SYNC, BADTYPE).
 */
import type { Errno } from "../../domain/errors.ts";
import { isFsError } from "../../domain/errors.ts";
import * as c from "./v3/constants.ts";

const ERRNO_TO_NFS3: Record<Errno, number> = {
  EPERM: c.NFS3ERR_PERM,
  ENOENT: c.NFS3ERR_NOENT,
  EIO: c.NFS3ERR_IO,
  ENXIO: c.NFS3ERR_NXIO,
  EACCES: c.NFS3ERR_ACCES,
  EEXIST: c.NFS3ERR_EXIST,
  EXDEV: c.NFS3ERR_XDEV,
  ENODEV: c.NFS3ERR_NODEV,
  ENOTDIR: c.NFS3ERR_NOTDIR,
  EISDIR: c.NFS3ERR_ISDIR,
  EINVAL: c.NFS3ERR_INVAL,
  EFBIG: c.NFS3ERR_FBIG,
  ENOSPC: c.NFS3ERR_NOSPC,
  EROFS: c.NFS3ERR_ROFS,
  EMLINK: c.NFS3ERR_MLINK,
  ENAMETOOLONG: c.NFS3ERR_NAMETOOLONG,
  ENOTEMPTY: c.NFS3ERR_NOTEMPTY,
  EDQUOT: c.NFS3ERR_DQUOT,
  ESTALE: c.NFS3ERR_STALE,
  EBADHANDLE: c.NFS3ERR_BADHANDLE,
  ENOTSUP: c.NFS3ERR_NOTSUPP,
  // Transient conditions: the client retries later (RFC 1813 §2.6 NFS3ERR_JUKEBOX).
  EAGAIN: c.NFS3ERR_JUKEBOX,
  EBUSY: c.NFS3ERR_JUKEBOX,
  ETIMEDOUT: c.NFS3ERR_JUKEBOX,
  EJUKEBOX: c.NFS3ERR_JUKEBOX,
  EDEADLK: c.NFS3ERR_JUKEBOX,
  EGRACE: c.NFS3ERR_JUKEBOX,
  // NFSv3 has no ELOOP status; INVAL is the closest (the server never follows symlinks itself).
  ELOOP: c.NFS3ERR_INVAL,
  EBADCOOKIE: c.NFS3ERR_BAD_COOKIE,
  ETOOSMALL: c.NFS3ERR_TOOSMALL,
  ESERVERFAULT: c.NFS3ERR_SERVERFAULT,
};

/** RFC 1813 per-procedure statuses that differ from the general mapping. */
const OVERRIDES: Partial<Record<string, Partial<Record<Errno, number>>>> = {
  // §3.3.5: READLINK on a non-symlink is INVAL.
  READLINK: { EISDIR: c.NFS3ERR_INVAL },
  // §3.3.11: MKNOD of an unsupported type is BADTYPE.
  MKNOD: { ENOTSUP: c.NFS3ERR_BADTYPE },
  // §3.3.13: RMDIR of a non-empty directory; some stores say EEXIST.
  RMDIR: { EEXIST: c.NFS3ERR_NOTEMPTY },
  // §3.3.14: RENAME onto a non-empty directory.
  RENAME: { EEXIST: c.NFS3ERR_EXIST },
};

/** The message of the FsError a failed SETATTR guard throws (files/setattr.ts, metadata setattr). */
const NOT_SYNC_MESSAGE = "EINVAL: NOT_SYNC";

/** Statuses without an errno, thrown by procedures themselves. */
export class NfsStatusError extends Error {
  constructor(
    readonly status: number,
    message?: string,
  ) {
    super(message ?? `nfsstat3 ${status}`);
    this.name = "NfsStatusError";
  }
}

/** nfsstat3 for an error thrown while running `procName`; null if it is not an expected error. */
export function nfsStatus(e: unknown, procName: string): number | null {
  if (e instanceof NfsStatusError) return e.status;
  if (!isFsError(e)) return null;
  // RFC 1813 §3.3.2: a failed sattrguard3 check; the file service names it in an EINVAL.
  if (e.code === "EINVAL" && e.message === NOT_SYNC_MESSAGE) return c.NFS3ERR_NOT_SYNC;
  return OVERRIDES[procName]?.[e.code] ?? ERRNO_TO_NFS3[e.code] ?? c.NFS3ERR_SERVERFAULT;
}

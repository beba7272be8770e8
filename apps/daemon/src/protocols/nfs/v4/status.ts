/**
 * The one place errno (FsError codes from the file service) becomes nfsstat4 (RFC 8881 §15.1),
 * with the per-operation differences the RFCs ask for. Operations throw `Nfs4Error` for statuses
 * without an errno (NOFILEHANDLE, BAD_STATEID, session errors…), optionally with the body a
 * failing result carries (SETATTR's attrsset, SETCLIENTID's CLID_INUSE address).
 */
import type { Errno } from "../../../domain/errors.ts";
import { isFsError } from "../../../domain/errors.ts";
import type { XdrWriter } from "../xdr/writer.ts";
import * as c from "./constants.ts";
import { type StateCode, StateError } from "./state/state-error.ts";

const ERRNO_TO_NFS4: Record<Errno, number> = {
  EPERM: c.NFS4ERR_PERM,
  ENOENT: c.NFS4ERR_NOENT,
  EIO: c.NFS4ERR_IO,
  ENXIO: c.NFS4ERR_NXIO,
  EACCES: c.NFS4ERR_ACCESS,
  EEXIST: c.NFS4ERR_EXIST,
  EXDEV: c.NFS4ERR_XDEV,
  ENODEV: c.NFS4ERR_NXIO,
  ENOTDIR: c.NFS4ERR_NOTDIR,
  EISDIR: c.NFS4ERR_ISDIR,
  EINVAL: c.NFS4ERR_INVAL,
  EFBIG: c.NFS4ERR_FBIG,
  ENOSPC: c.NFS4ERR_NOSPC,
  EROFS: c.NFS4ERR_ROFS,
  EMLINK: c.NFS4ERR_MLINK,
  ENAMETOOLONG: c.NFS4ERR_NAMETOOLONG,
  ENOTEMPTY: c.NFS4ERR_NOTEMPTY,
  EDQUOT: c.NFS4ERR_DQUOT,
  ESTALE: c.NFS4ERR_STALE,
  EBADHANDLE: c.NFS4ERR_BADHANDLE,
  ENOTSUP: c.NFS4ERR_NOTSUPP,
  // A byte range another owner holds: RFC 8881 §18.22.4 READ/WRITE answer LOCKED.
  EAGAIN: c.NFS4ERR_LOCKED,
  EDEADLK: c.NFS4ERR_DEADLOCK,
  // RFC 8881 §15.1.9.2: a new lock while the grace period runs.
  EGRACE: c.NFS4ERR_GRACE,
  // Transient conditions: the client retries later (RFC 8881 §15.1.1.3 NFS4ERR_DELAY).
  EBUSY: c.NFS4ERR_DELAY,
  ETIMEDOUT: c.NFS4ERR_DELAY,
  EJUKEBOX: c.NFS4ERR_DELAY,
  // RFC 8881 §15.1.2.11: a symlink where a directory was expected.
  ELOOP: c.NFS4ERR_SYMLINK,
  EBADCOOKIE: c.NFS4ERR_BAD_COOKIE,
  ETOOSMALL: c.NFS4ERR_TOOSMALL,
  ESERVERFAULT: c.NFS4ERR_SERVERFAULT,
};

/** Per-operation statuses that differ from the general mapping (by operation name). */
const OVERRIDES: Partial<Record<string, Partial<Record<Errno, number>>>> = {
  // RFC 8881 §18.40.3: READLINK of a non-symlink is INVAL.
  READLINK: { EISDIR: c.NFS4ERR_INVAL },
  // RFC 8881 §18.4.3: CREATE of a type it does not make.
  CREATE: { ENOTSUP: c.NFS4ERR_BADTYPE },
  // RFC 8881 §18.25.4: REMOVE of a non-empty directory; some stores say EEXIST.
  REMOVE: { EEXIST: c.NFS4ERR_NOTEMPTY },
  // RFC 8881 §18.16.3: OPEN of a directory or symlink.
  OPEN: { EISDIR: c.NFS4ERR_ISDIR, ELOOP: c.NFS4ERR_SYMLINK },
};

/** A status without an errno, with the body its failing result carries (if any). */
export class Nfs4Error extends Error {
  constructor(
    readonly status: number,
    message?: string,
    readonly body?: (w: XdrWriter) => void,
  ) {
    super(message ?? `nfsstat4 ${status}`);
    this.name = "Nfs4Error";
  }
}

/** The message of the FsError a failed SETATTR guard throws (files/setattr.ts). */
const NOT_SYNC_MESSAGE = "EINVAL: NOT_SYNC";

/** The lock/open-mode/lease/grace state's failures (state/state-error.ts). */
const STATE_TO_NFS4: Record<StateCode, number> = {
  BAD_STATEID: c.NFS4ERR_BAD_STATEID,
  OLD_STATEID: c.NFS4ERR_OLD_STATEID,
  LOCKS_HELD: c.NFS4ERR_LOCKS_HELD,
  INVAL: c.NFS4ERR_INVAL,
  OPENMODE: c.NFS4ERR_OPENMODE,
  RESOURCE: c.NFS4ERR_RESOURCE,
  SHARE_DENIED: c.NFS4ERR_SHARE_DENIED,
  GRACE: c.NFS4ERR_GRACE,
  NO_GRACE: c.NFS4ERR_NO_GRACE,
  RECLAIM_BAD: c.NFS4ERR_RECLAIM_BAD,
};

/** nfsstat4 for an error thrown while running operation `opName`; null if it is unexpected. */
export function nfs4Status(e: unknown, opName: string): number | null {
  if (e instanceof Nfs4Error) return e.status;
  if (e instanceof StateError) return STATE_TO_NFS4[e.code];
  if (!isFsError(e)) return null;
  if (e.code === "EINVAL" && e.message === NOT_SYNC_MESSAGE) return c.NFS4ERR_NOT_SAME;
  return OVERRIDES[opName]?.[e.code] ?? ERRNO_TO_NFS4[e.code] ?? c.NFS4ERR_SERVERFAULT;
}

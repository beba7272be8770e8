/**
 * The one place FsError errno codes become NTSTATUS values (style rule 4; Samba's
 * `map_nt_error_from_unix`). Per-command overrides (e.g. ENOENT on a parent walk →
 * OBJECT_PATH_NOT_FOUND) are passed in by the caller, not scattered through handlers.
 */
import { type Errno, FsError } from "../../domain/errors.ts";
import * as S from "./ntstatus.ts";

/** A protocol error carrying its NTSTATUS; thrown by decoders and handlers. */
export class SmbError extends Error {
  constructor(
    readonly status: number,
    message?: string,
  ) {
    super(message ?? `NTSTATUS 0x${status.toString(16).padStart(8, "0")}`);
    this.name = "SmbError";
  }
}

const ERRNO_TO_NTSTATUS: Record<Errno, number> = {
  EPERM: S.STATUS_ACCESS_DENIED,
  ENOENT: S.STATUS_OBJECT_NAME_NOT_FOUND,
  EIO: S.STATUS_INTERNAL_ERROR,
  ENXIO: S.STATUS_NO_SUCH_FILE,
  EACCES: S.STATUS_ACCESS_DENIED,
  EEXIST: S.STATUS_OBJECT_NAME_COLLISION,
  EXDEV: S.STATUS_NOT_SAME_DEVICE,
  ENODEV: S.STATUS_NO_SUCH_FILE,
  ENOTDIR: S.STATUS_NOT_A_DIRECTORY,
  EISDIR: S.STATUS_FILE_IS_A_DIRECTORY,
  EINVAL: S.STATUS_INVALID_PARAMETER,
  EFBIG: S.STATUS_DISK_FULL,
  ENOSPC: S.STATUS_DISK_FULL,
  // Windows answers writes on a write-protected volume with MEDIA_WRITE_PROTECTED.
  EROFS: S.STATUS_MEDIA_WRITE_PROTECTED,
  EMLINK: S.STATUS_TOO_MANY_LINKS,
  ENAMETOOLONG: S.STATUS_NAME_TOO_LONG,
  ENOTEMPTY: S.STATUS_DIRECTORY_NOT_EMPTY,
  EDQUOT: S.STATUS_DISK_QUOTA_EXCEEDED,
  ESTALE: S.STATUS_FILE_CLOSED,
  EBADHANDLE: S.STATUS_INVALID_HANDLE,
  ENOTSUP: S.STATUS_NOT_SUPPORTED,
  EAGAIN: S.STATUS_LOCK_NOT_GRANTED,
  EDEADLK: S.STATUS_LOCK_NOT_GRANTED,
  // A lock asked with FAIL_IMMEDIATELY in a restart's grace period (files/locks.ts): as a conflict.
  EGRACE: S.STATUS_LOCK_NOT_GRANTED,
  EBUSY: S.STATUS_SHARING_VIOLATION,
  ETIMEDOUT: S.STATUS_IO_TIMEOUT,
  ELOOP: S.STATUS_STOPPED_ON_SYMLINK,
  EBADCOOKIE: S.STATUS_INVALID_PARAMETER,
  ETOOSMALL: S.STATUS_INFO_LENGTH_MISMATCH,
  ESERVERFAULT: S.STATUS_INTERNAL_ERROR,
  EJUKEBOX: S.STATUS_NETWORK_BUSY,
};

export type StatusOverrides = Partial<Record<Errno, number>>;

/** NTSTATUS for any thrown value; unknown errors are INTERNAL_ERROR (never crash the connection). */
export function ntStatusOf(e: unknown, overrides?: StatusOverrides): number {
  if (e instanceof SmbError) return e.status;
  if (e instanceof FsError) return overrides?.[e.code] ?? ERRNO_TO_NTSTATUS[e.code];
  return S.STATUS_INTERNAL_ERROR;
}

/** Runs `fn`, rethrowing FsErrors as SmbError with the per-operation overrides applied. */
export async function withStatus<T>(overrides: StatusOverrides, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof FsError) throw new SmbError(ntStatusOf(e, overrides), e.message);
    throw e;
  }
}

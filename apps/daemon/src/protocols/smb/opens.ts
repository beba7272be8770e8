/**
 * Open bookkeeping shared by CREATE, CLOSE and SET_INFO: share-access conflicts between opens
 * of one file ([MS-FSA] §2.1.5.1.2.1 "Check sharing access"), access-mask mapping, and the
 * delete-on-close / delete-pending rules ([MS-FSA] §2.1.5.4).
 */
import {
  DELETE,
  FILE_ALL_ACCESS,
  FILE_APPEND_DATA,
  FILE_EXECUTE,
  FILE_GENERIC_EXECUTE,
  FILE_GENERIC_READ,
  FILE_GENERIC_WRITE,
  FILE_READ_DATA,
  FILE_SHARE_DELETE,
  FILE_SHARE_READ,
  FILE_SHARE_WRITE,
  FILE_WRITE_DATA,
  GENERIC_ALL,
  GENERIC_EXECUTE,
  GENERIC_READ,
  GENERIC_WRITE,
} from "./constants.ts";
import type { Open } from "./state.ts";

const READISH = FILE_READ_DATA | FILE_EXECUTE;
const WRITEISH = FILE_WRITE_DATA | FILE_APPEND_DATA;

/** [MS-DTYP] §2.4.3 generic → specific file rights. */
export function mapGenericAccess(mask: number): number {
  let m = mask & 0x0fffffff;
  if (mask & GENERIC_READ) m |= FILE_GENERIC_READ;
  if (mask & GENERIC_WRITE) m |= FILE_GENERIC_WRITE;
  if (mask & GENERIC_EXECUTE) m |= FILE_GENERIC_EXECUTE;
  if (mask & GENERIC_ALL) m |= FILE_ALL_ACCESS;
  return m >>> 0;
}

function participates(access: number): boolean {
  return (access & (READISH | WRITEISH | DELETE)) !== 0;
}

/** True if a new open with (access, share) conflicts with `existing`. */
export function shareConflict(existing: Open, access: number, share: number): boolean {
  if (!participates(existing.grantedAccess) || !participates(access)) return false;
  const e = existing;
  if (access & READISH && !(e.shareAccess & FILE_SHARE_READ)) return true;
  if (access & WRITEISH && !(e.shareAccess & FILE_SHARE_WRITE)) return true;
  if (access & DELETE && !(e.shareAccess & FILE_SHARE_DELETE)) return true;
  if (e.grantedAccess & READISH && !(share & FILE_SHARE_READ)) return true;
  if (e.grantedAccess & WRITEISH && !(share & FILE_SHARE_WRITE)) return true;
  if (e.grantedAccess & DELETE && !(share & FILE_SHARE_DELETE)) return true;
  return false;
}

/** Bits that need a writable tree. */
export const WRITE_ACCESS_BITS =
  0x00000002 | 0x00000004 | 0x00000010 | 0x00000100 | 0x00000040 | DELETE | 0x00040000 | 0x00080000;

/**
 * Open bookkeeping shared by CREATE, CLOSE and SET_INFO: share-access conflicts between opens
 * of one file ([MS-FSA] §2.1.5.1.2.1 "Check sharing access"), access-mask mapping, and the
 * delete-on-close / delete-pending rules ([MS-FSA] §2.1.5.4).
 */

import {
  reservationsConflict,
  SHARE_DELETE,
  SHARE_READ,
  SHARE_WRITE,
  type ShareReservation,
} from "../../files/share-modes.ts";
import { DELETE, FILE_APPEND_DATA, FILE_EXECUTE, FILE_READ_DATA, FILE_WRITE_DATA } from "./constants.ts";
import type { Open } from "./state.ts";

const READISH = FILE_READ_DATA | FILE_EXECUTE;
const WRITEISH = FILE_WRITE_DATA | FILE_APPEND_DATA;

/**
 * An SMB open as a file-service share reservation: read/execute, write/append and DELETE access
 * against the ShareAccess bits it does not grant (the same bit values as SHARE_READ/WRITE/DELETE).
 */
export function smbReservation(owner: string, access: number, share: number): ShareReservation {
  let a = 0;
  if (access & READISH) a |= SHARE_READ;
  if (access & WRITEISH) a |= SHARE_WRITE;
  if (access & DELETE) a |= SHARE_DELETE;
  return { owner, access: a, deny: ~share & (SHARE_READ | SHARE_WRITE | SHARE_DELETE) };
}

/** True if a new open with (access, share) conflicts with `existing`. */
export function shareConflict(existing: Open, access: number, share: number): boolean {
  const held = smbReservation(existing.lockOwner, existing.grantedAccess, existing.shareAccess);
  return reservationsConflict(held, smbReservation("", access, share));
}

/** Bits that need a writable tree. */
export const WRITE_ACCESS_BITS =
  0x00000002 | 0x00000004 | 0x00000010 | 0x00000100 | 0x00000040 | DELETE | 0x00040000 | 0x00080000;

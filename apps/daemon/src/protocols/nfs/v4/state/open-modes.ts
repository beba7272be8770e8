/**
 * NFSv4 OPEN share_access / share_deny (RFC 8881 §9.7, §18.16.3, §18.18) as file-service share
 * reservations, in the one table SMB share modes use: an SMB open that does not share writing
 * refuses a v4 OPEN for writing (NFS4ERR_SHARE_DENIED) and a v4 OPEN with DENY_WRITE refuses an
 * SMB open for writing (STATUS_SHARING_VIOLATION). One reservation per open-owner and file: the
 * union of the owner's OPENs, replaced by OPEN_DOWNGRADE and dropped by CLOSE.
 */
import { isFsError } from "../../../../domain/errors.ts";
import type { FileService } from "../../../../files/service.ts";
import { SHARE_READ, SHARE_WRITE } from "../../../../files/share-modes.ts";
import type { FileCall } from "../../../../files/types.ts";
import { clientPrefix } from "./locks.ts";
import { StateError } from "./state-error.ts";

/** OPEN4_SHARE_ACCESS_READ/WRITE and OPEN4_SHARE_DENY_READ/WRITE share the reservation bits. */
const BOTH = SHARE_READ | SHARE_WRITE;

export interface ShareBits {
  access: number;
  deny: number;
}

function ownerOf(clientId: bigint, openOwnerHex: string): string {
  return `${clientPrefix(clientId)}open:${openOwnerHex}:`;
}

function reserve(files: FileService, f: FileCall, owner: string, bits: ShareBits, reclaim: boolean): void {
  try {
    // In a grace period the file service refuses one newly denying reading or writing unless it
    // is a reclaim (files/locks.ts checkReserveGrace): GRACE.
    const r = { owner, access: bits.access & BOTH, deny: bits.deny & BOTH };
    files.reserve(f, r, { reclaim });
  } catch (e) {
    if (isFsError(e, "EBUSY")) throw new StateError("SHARE_DENIED");
    throw e;
  }
}

/**
 * OPEN: the open-owner's reservation on the file becomes `held` (what it had, 0/0 for a first
 * OPEN) plus `asked`; SHARE_DENIED when another owner (any protocol) conflicts, nothing changed.
 * Returns the union to record in the open stateid.
 */
export function reserveOpen(
  files: FileService,
  f: FileCall,
  open: { clientId: bigint; ownerHex: string; reclaim: boolean },
  held: ShareBits,
  asked: ShareBits,
): ShareBits {
  if ((asked.access & BOTH) === 0 || asked.access & ~BOTH || asked.deny & ~BOTH) {
    throw new StateError("INVAL", "share_access/share_deny");
  }
  const union = { access: held.access | asked.access, deny: held.deny | asked.deny };
  reserve(files, f, ownerOf(open.clientId, open.ownerHex), union, open.reclaim);
  return union;
}

/** OPEN_DOWNGRADE: `to` must be within `held` and access something (else INVAL). */
export function downgradeOpen(
  files: FileService,
  f: FileCall,
  open: { clientId: bigint; ownerHex: string },
  held: ShareBits,
  to: ShareBits,
): ShareBits {
  if ((to.access & BOTH) === 0 || to.access & ~held.access || to.deny & ~held.deny) {
    throw new StateError("INVAL", "OPEN_DOWNGRADE is not a subset of the open");
  }
  // Narrower than what the owner holds, so it denies nothing new: never GRACE.
  reserve(files, f, ownerOf(open.clientId, open.ownerHex), to, false);
  return { access: to.access, deny: to.deny };
}

/** CLOSE: the open-owner's reservation on the file goes. */
export function releaseOpen(
  files: FileService,
  f: FileCall,
  open: { clientId: bigint; ownerHex: string },
): void {
  files.unreserve(f, ownerOf(open.clientId, open.ownerHex));
}

/**
 * CREATE's side of oplocks and leases ([MS-SMB2] §3.3.5.9, §3.3.5.9.8 lease V1, §3.3.5.9.11
 * lease V2): the breaks a new open causes before it proceeds (W always, H on a sharing
 * violation, R as well when it overwrites), and what the new open is granted.
 */
import * as C from "./constants.ts";
import type { CreateContext } from "./create-contexts.ts";
import {
  SMB2_LEASE_HANDLE_CACHING as H,
  type LeaseRequest,
  leaseResponseContext,
  parseLeaseRequest,
  SMB2_LEASE_READ_CACHING as R,
  SMB2_LEASE_FLAG_BREAK_IN_PROGRESS,
  SMB2_OPLOCK_LEVEL_BATCH,
  SMB2_OPLOCK_LEVEL_EXCLUSIVE,
  SMB2_OPLOCK_LEVEL_II,
  SMB2_OPLOCK_LEVEL_LEASE,
  SMB2_OPLOCK_LEVEL_NONE,
  SMB2_LEASE_WRITE_CACHING as W,
} from "./leases.ts";
import { STATUS_INVALID_PARAMETER } from "./ntstatus.ts";
import { attachHolder, oplockLevel, oplockState } from "./oplocks.ts";
import type { SmbRequest } from "./request.ts";
import type { CacheHolder, FileState, Open } from "./state.ts";
import { SmbError } from "./status.ts";

/**
 * Opens that touch no data break nothing ([MS-FSA] §2.1.5.1.2; Samba's is_oplock_stat_open /
 * is_lease_stat_open: READ_CONTROL counts for leases only).
 */
const STAT_ACCESS = C.FILE_READ_ATTRIBUTES | C.FILE_WRITE_ATTRIBUTES | C.SYNCHRONIZE;
const LEASE_STAT_ACCESS = STAT_ACCESS | C.READ_CONTROL;

/** An open with `access` breaks nothing of a holder (with a lease: `lease`). */
export function isStatOpen(access: number, lease: boolean): boolean {
  return (access & ~(lease ? LEASE_STAT_ACCESS : STAT_ACCESS)) === 0;
}

export interface CachingRequest {
  level: number;
  lease: LeaseRequest | null;
  /** ClientGuid + LeaseKey (hex), the LeaseTable key. */
  leaseId: string | null;
}

export function cachingRequest(req: SmbRequest, level: number, contexts: CreateContext[]): CachingRequest {
  const dialect = req.conn.dialect;
  if (level !== SMB2_OPLOCK_LEVEL_LEASE || dialect < C.SMB2_DIALECT_210) {
    return { level: level === SMB2_OPLOCK_LEVEL_LEASE ? 0 : level, lease: null, leaseId: null };
  }
  const lease = parseLeaseRequest(contexts, dialect >= C.SMB2_DIALECT_300);
  if (!lease) return { level: 0, lease: null, leaseId: null };
  return { level, lease, leaseId: `${req.conn.clientGuid.toString("hex")}:${lease.key.toString("hex")}` };
}

/** §3.3.5.9.8: a lease key names one file; reusing it for another is an invalid parameter. */
export function checkLeaseKey(req: SmbRequest, cr: CachingRequest, fileKey: string): void {
  if (!cr.leaseId) return;
  const held = req.server.leases.get(cr.leaseId);
  if (held && held.opens.size > 0 && [...held.opens][0]!.fileKey !== fileKey) {
    throw new SmbError(STATUS_INVALID_PARAMETER, "lease key in use on another file");
  }
}

export interface Grant {
  level: number;
  context: CreateContext | null;
}

/**
 * Whether the file has opens other than `open` and those sharing the lease `mine`; an open that
 * touches no data and caches nothing does not count (Samba's delay_for_oplock_fn: it does not
 * keep a write lease from being granted; smbtorture smb2.lease.statopen3).
 */
function othersOpen(file: FileState, open: Open, mine: CacheHolder | null): boolean {
  for (const o of file.opens) {
    if (o === open || (mine !== null && o.holder === mine)) continue;
    if (!o.holder && isStatOpen(o.grantedAccess, false)) continue;
    return true;
  }
  return false;
}

function grantOplock(req: SmbRequest, file: FileState, open: Open, level: number): Grant {
  if (![SMB2_OPLOCK_LEVEL_II, SMB2_OPLOCK_LEVEL_EXCLUSIVE, SMB2_OPLOCK_LEVEL_BATCH].includes(level)) {
    return { level: SMB2_OPLOCK_LEVEL_NONE, context: null };
  }
  // Any other open means shared access: at most LEVEL_II, and none while a writer still caches.
  let state = othersOpen(file, open, null) ? R : oplockState(level);
  // A writer still caching, or a lease caching handles, leaves no oplock to grant (smbtorture
  // smb2.lease.oplock: Windows' results).
  if ([...file.holders].some((h) => h.state & W || (h.lease && h.state & H))) state = 0;
  if (state === 0) return { level: SMB2_OPLOCK_LEVEL_NONE, context: null };
  attachHolder(req.server, file, { file, lease: null, state, opens: new Set(), breaking: null }, open);
  return { level: oplockLevel(state), context: null };
}

function grantLease(req: SmbRequest, file: FileState, open: Open, cr: CachingRequest): Grant {
  const ask = cr.lease!;
  const server = req.server;
  let existing = server.leases.get(cr.leaseId!) ?? null;
  if (existing && existing.file !== file) existing = null;
  // A directory lease never caches writes: W asked for is ignored (Windows; Samba's delay_for_oplock).
  const asked = open.isDir ? ask.state & ~W : ask.state;
  // §3.3.5.9.8: only R, RH, RW and RWH are grantable.
  let want = asked & R ? asked : 0;
  const shared = othersOpen(file, open, existing);
  if (shared) want &= ~W;
  for (const h of file.holders) {
    if (h === existing) continue;
    if (h.state & W) want = 0;
    // Handle caching is for leases only while oplocks are around (Windows grants R then).
    if (!h.lease && h.state !== 0) want &= ~H;
  }
  let flags = 0;
  let holder: CacheHolder;
  if (existing) {
    holder = existing;
    if (holder.breaking) flags |= SMB2_LEASE_FLAG_BREAK_IN_PROGRESS;
    else if ((holder.state & ~asked) === 0 && want === asked && want !== holder.state) {
      // §3.3.5.9.8: a lease is upgraded only to a superset of what it holds, and only when all
      // that was asked can be granted (Samba's try_lease_upgrade): R asked for RH while another
      // lease has the file open becomes RH, asked for RWH stays R (smbtorture smb2.lease.upgrade3).
      holder.state = want;
      if (holder.lease!.version === 2) holder.lease!.epoch++;
    }
  } else {
    holder = {
      file,
      lease: {
        id: cr.leaseId!,
        key: ask.key,
        version: ask.version,
        epoch: ask.version === 2 ? ask.epoch + 1 : 0,
        parentKey: ask.parentKey,
      },
      state: want,
      opens: new Set(),
      breaking: null,
    };
  }
  attachHolder(server, file, holder, open);
  const lease = holder.lease!;
  const context = leaseResponseContext({
    key: lease.key,
    state: holder.state,
    flags,
    version: lease.version,
    parentKey: lease.parentKey,
    epoch: lease.epoch,
  });
  return { level: SMB2_OPLOCK_LEVEL_LEASE, context };
}

/**
 * The oplock or lease granted to a new open. A directory gets a V2 lease only (§3.3.5.9.11
 * directory leasing, SMB 3.x; dir-leases.ts), never an oplock (§3.3.5.9: not for directories).
 */
export function grantCaching(req: SmbRequest, file: FileState, open: Open, cr: CachingRequest): Grant {
  const dirLease = cr.lease?.version === 2;
  if ((open.isDir && !dirLease) || cr.level === SMB2_OPLOCK_LEVEL_NONE)
    return { level: SMB2_OPLOCK_LEVEL_NONE, context: null };
  if (cr.level === SMB2_OPLOCK_LEVEL_LEASE) return grantLease(req, file, open, cr);
  return grantOplock(req, file, open, cr.level);
}

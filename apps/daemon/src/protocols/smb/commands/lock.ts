/**
 * SMB2 LOCK ([MS-SMB2] §2.2.26, §2.2.27, §3.3.5.14) through the file service's locks, so SMB,
 * NLM and NFSv4 locks conflict. Owner = the open, with Windows lock semantics
 * (LockRange.windows, metadata/lock-manager.ts): an open's locks stack, an unlock takes one lock
 * of exactly its range, zero-byte locks are locks, ranges are exact 64-bit. Every refused lock
 * is STATUS_LOCK_NOT_GRANTED: Windows answers FILE_LOCK_CONFLICT to repeated SMB1 lock failures,
 * never over SMB2 (Samba maps it away in smbd_smb2_lock_try). A single blocking lock that
 * conflicts goes async (STATUS_PENDING) and ends when granted, with STATUS_CANCELLED on CANCEL,
 * or STATUS_RANGE_NOT_LOCKED when its open is closed (Samba smbd_smb2_lock_cancel). Replays of a
 * request are recognised by its LockSequence (lock-sequence.ts).
 */
import { isFsError } from "../../../domain/errors.ts";
import type { LockRequest } from "../../../files/locks.ts";
import { fileCall } from "../calls.ts";
import {
  SMB2_LOCKFLAG_EXCLUSIVE_LOCK,
  SMB2_LOCKFLAG_FAIL_IMMEDIATELY,
  SMB2_LOCKFLAG_SHARED_LOCK,
  SMB2_LOCKFLAG_UNLOCK,
} from "../constants.ts";
import { MAX_LOCKS_PER_REQUEST } from "../limits.ts";
import { lockSequenceSlot } from "../lock-sequence.ts";
import {
  STATUS_CANCELLED,
  STATUS_INVALID_LOCK_RANGE,
  STATUS_INVALID_PARAMETER,
  STATUS_LOCK_NOT_GRANTED,
  STATUS_RANGE_NOT_LOCKED,
} from "../ntstatus.ts";
import { breakReadCaching } from "../oplocks.ts";
import { type CommandSpec, type Reply, readFileId, type SmbRequest } from "../request.ts";
import type { Open } from "../state.ts";
import { SmbError } from "../status.ts";
import type { SmbReader } from "../wire.ts";
import { EMPTY_4 } from "./logoff.ts";

/** One past the last byte of the 64-bit offset space. */
const SPACE_END = 1n << 64n;

interface LockElement {
  offset: bigint;
  length: bigint;
  flags: number;
}

function readElements(r: SmbReader, count: number): LockElement[] {
  const out: LockElement[] = [];
  for (let i = 0; i < count; i++) {
    const offset = r.u64();
    const length = r.u64();
    const flags = r.u32();
    r.u32();
    out.push({ offset, length, flags });
  }
  return out;
}

/** [MS-FSA] §2.1.5.7: a range whose last byte is past 2^64 - 1 is STATUS_INVALID_LOCK_RANGE. */
function validRange(e: LockElement): boolean {
  return e.offset + e.length <= SPACE_END;
}

function isLockFlags(flags: number): boolean {
  const kind = flags & ~SMB2_LOCKFLAG_FAIL_IMMEDIATELY;
  return kind === SMB2_LOCKFLAG_SHARED_LOCK || kind === SMB2_LOCKFLAG_EXCLUSIVE_LOCK;
}

/**
 * §3.3.5.14.1–2 as Samba applies them: the first element decides. Exactly UNLOCK makes an unlock
 * request (its elements are checked one by one as they are processed); otherwise every element
 * must be SHARED or EXCLUSIVE, optionally FAIL_IMMEDIATELY, and a request of several elements
 * may not wait on any. Returns null for an unlock request, else whether the lock may wait.
 */
function lockMode(els: LockElement[]): { blocking: boolean } | null {
  if (els[0]!.flags === SMB2_LOCKFLAG_UNLOCK) return null;
  for (const e of els) {
    if (!isLockFlags(e.flags)) throw new SmbError(STATUS_INVALID_PARAMETER, "lock flags");
    const waits = (e.flags & SMB2_LOCKFLAG_FAIL_IMMEDIATELY) === 0;
    if (waits && els.length > 1) throw new SmbError(STATUS_INVALID_PARAMETER, "blocking lock in a set");
  }
  return { blocking: (els[0]!.flags & SMB2_LOCKFLAG_FAIL_IMMEDIATELY) === 0 };
}

/** Unlocks element by element; the first that fails ends the request, the ones before it stay done. */
function unlockAll(req: SmbRequest, open: Open, els: LockElement[]): void {
  for (const e of els) {
    if (e.flags !== SMB2_LOCKFLAG_UNLOCK) throw new SmbError(STATUS_INVALID_PARAMETER, "mixed unlock");
    const range = { owner: open.lockOwner, offset: e.offset, length: e.length, windows: true };
    if (!validRange(e) || !req.server.ctx.files.unlock(fileCall(open), range)) {
      throw new SmbError(STATUS_RANGE_NOT_LOCKED);
    }
  }
}

function release(req: SmbRequest, open: Open, e: LockElement): void {
  req.server.ctx.files.unlock(fileCall(open), {
    owner: open.lockOwner,
    offset: e.offset,
    length: e.length,
    windows: true,
  });
}

/** Is the open still in its connection's table (not closed, its tree and session still there)? */
function stillOpen(open: Open): boolean {
  return open.conn.opens.get(open.volatileId) === open;
}

async function acquire(req: SmbRequest, open: Open, e: LockElement, blocking: boolean): Promise<void> {
  // A byte-range lock ends other opens' read caching, as a write does (Samba contend_level2).
  breakReadCaching(req.server, open);
  const range: LockRequest = {
    owner: open.lockOwner,
    kind: e.flags & SMB2_LOCKFLAG_EXCLUSIVE_LOCK ? "exclusive" : "shared",
    offset: e.offset,
    length: e.length,
    windows: true,
  };
  const files = req.server.ctx.files;
  const f = fileCall(open);
  try {
    return await files.lock(f, range);
  } catch (err) {
    // A grace period (files/locks.ts) is waited out like a conflicting lock.
    const waits = ["EAGAIN", "EDEADLK", "EGRACE"] as const;
    if (!blocking || !waits.some((code) => isFsError(err, code))) throw err;
  }
  const signal = req.goAsync();
  // CANCEL aborts through `signal`; closing the open aborts through its own waiter.
  const waiter = new AbortController();
  signal?.addEventListener("abort", () => waiter.abort(), { once: true });
  open.lockWaiters.add(waiter);
  try {
    await files.lock(f, { ...range, wait: true, signal: waiter.signal });
  } catch (waitErr) {
    if (waiter.signal.aborted) {
      throw new SmbError(stillOpen(open) ? STATUS_CANCELLED : STATUS_RANGE_NOT_LOCKED);
    }
    throw waitErr;
  } finally {
    open.lockWaiters.delete(waiter);
  }
  if (!stillOpen(open)) {
    release(req, open, e);
    throw new SmbError(STATUS_RANGE_NOT_LOCKED);
  }
}

/** Takes every element or none: a failure releases the ones taken before it. */
async function lockAll(req: SmbRequest, open: Open, els: LockElement[], blocking: boolean): Promise<void> {
  if (els.some((e) => !validRange(e))) throw new SmbError(STATUS_INVALID_LOCK_RANGE);
  const taken: LockElement[] = [];
  try {
    for (const e of els) {
      await acquire(req, open, e, blocking);
      taken.push(e);
    }
    // A CLOSE (or disconnect) that ran between two elements already dropped this open's locks:
    // release what was taken after it instead of leaking locks nobody can unlock.
    if (!stillOpen(open)) throw new SmbError(STATUS_RANGE_NOT_LOCKED);
  } catch (err) {
    for (const e of taken) release(req, open, e);
    if (isFsError(err, "EAGAIN") || isFsError(err, "EDEADLK") || isFsError(err, "EGRACE")) {
      throw new SmbError(STATUS_LOCK_NOT_GRANTED);
    }
    throw err;
  }
}

export async function lock(req: SmbRequest): Promise<Reply> {
  const r = req.reader();
  const count = r.u16();
  const lockSequence = r.u32();
  const fileId = readFileId(r);
  if (count === 0 || count > MAX_LOCKS_PER_REQUEST) throw new SmbError(STATUS_INVALID_PARAMETER, "LockCount");
  const open = req.open(fileId);
  const els = readElements(r, count);
  const slot = lockSequenceSlot(req, open, lockSequence);
  if (slot?.replayed === true) return { body: EMPTY_4() };
  const mode = lockMode(els);
  if (mode === null) unlockAll(req, open, els);
  else await lockAll(req, open, els, mode.blocking);
  slot?.done();
  return { body: EMPTY_4() };
}

export const LOCK: CommandSpec = {
  name: "LOCK",
  structureSize: 48,
  needsSession: true,
  needsTree: true,
  handle: lock,
};

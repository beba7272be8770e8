/**
 * SMB2 LOCK ([MS-SMB2] §2.2.26, §2.2.27, §3.3.5.14) through the file service's locks, so SMB,
 * NLM and NFSv4 locks conflict. Owner = the open. A single blocking lock that conflicts goes async
 * (STATUS_PENDING) and ends when granted, or with STATUS_CANCELLED on CANCEL or close.
 */
import { isFsError } from "../../../domain/errors.ts";
import type { LockRequest } from "../../../files/locks.ts";
import {
  SMB2_LOCKFLAG_EXCLUSIVE_LOCK,
  SMB2_LOCKFLAG_FAIL_IMMEDIATELY,
  SMB2_LOCKFLAG_SHARED_LOCK,
  SMB2_LOCKFLAG_UNLOCK,
} from "../constants.ts";
import {
  STATUS_CANCELLED,
  STATUS_FILE_CLOSED,
  STATUS_INVALID_LOCK_RANGE,
  STATUS_INVALID_PARAMETER,
  STATUS_LOCK_NOT_GRANTED,
  STATUS_RANGE_NOT_LOCKED,
} from "../ntstatus.ts";
import { breakReadCaching } from "../oplocks.ts";
import { type CommandSpec, type Reply, readFileId, type SmbRequest } from "../request.ts";
import { fileCall, type HeldLock, MAX_LOCKS_PER_REQUEST, type Open } from "../state.ts";
import { SmbError } from "../status.ts";
import type { SmbReader } from "../wire.ts";
import { EMPTY_4 } from "./logoff.ts";

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const U64_MAX = 0xffffffffffffffffn;

/**
 * SMB ranges are 64-bit; the LockManager works in safe integers. Ranges beyond 2^53 are clamped
 * (they still conflict with each other, less precisely). Never returns length 0 ("to EOF").
 */
export function clampRange(offset: bigint, length: bigint): { offset: number; length: number } {
  const start = offset > MAX_SAFE - 1n ? MAX_SAFE - 1n : offset;
  let end = offset + length > MAX_SAFE ? MAX_SAFE : offset + length;
  if (end <= start) end = start + 1n;
  return { offset: Number(start), length: Number(end - start) };
}

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

function overlaps(a: HeldLock, offset: number, length: number): boolean {
  return a.offset < offset + length && offset < a.offset + a.length;
}

function unlockAll(req: SmbRequest, open: Open, els: LockElement[]): void {
  for (const e of els) {
    if (e.flags !== SMB2_LOCKFLAG_UNLOCK) throw new SmbError(STATUS_INVALID_PARAMETER, "mixed unlock");
    const { offset, length } =
      e.length === 0n ? { offset: Number(e.offset), length: 0 } : clampRange(e.offset, e.length);
    const i = open.locks.findIndex((l) => l.offset === offset && l.length === length);
    if (i < 0) throw new SmbError(STATUS_RANGE_NOT_LOCKED);
    open.locks.splice(i, 1);
    if (length > 0) req.server.ctx.files.unlock(fileCall(open), { owner: open.lockOwner, offset, length });
  }
}

async function acquire(req: SmbRequest, open: Open, e: LockElement, blocking: boolean): Promise<HeldLock> {
  // A byte-range lock ends other opens' read caching, as a write does (Samba contend_level2).
  breakReadCaching(req.server, open);
  const exclusive = (e.flags & SMB2_LOCKFLAG_EXCLUSIVE_LOCK) !== 0;
  if (e.length === 0n)
    return { offset: Number(e.offset > MAX_SAFE ? MAX_SAFE : e.offset), length: 0, exclusive };
  const { offset, length } = clampRange(e.offset, e.length);
  // Windows locks do not merge: the same open cannot take an exclusive lock over its own lock.
  if (open.locks.some((l) => overlaps(l, offset, length) && (l.exclusive || exclusive))) {
    throw new SmbError(STATUS_LOCK_NOT_GRANTED);
  }
  const range: LockRequest = {
    owner: open.lockOwner,
    kind: exclusive ? "exclusive" : "shared",
    offset,
    length,
  };
  const files = req.server.ctx.files;
  const f = fileCall(open);
  try {
    await files.lock(f, range);
  } catch (err) {
    // A grace period (files/locks.ts) is waited out like a conflicting lock.
    const waits = ["EAGAIN", "EDEADLK", "EGRACE"] as const;
    if (!blocking || !waits.some((code) => isFsError(err, code))) throw err;
    const signal = req.goAsync();
    // CANCEL aborts through `signal`; closing the open aborts through its own waiter.
    const waiter = new AbortController();
    signal?.addEventListener("abort", () => waiter.abort(), { once: true });
    open.lockWaiters.add(waiter);
    try {
      await files.lock(f, { ...range, wait: true, signal: waiter.signal });
    } catch (waitErr) {
      if (waiter.signal.aborted) {
        throw new SmbError(req.conn.opens.has(open.volatileId) ? STATUS_CANCELLED : STATUS_FILE_CLOSED);
      }
      throw waitErr;
    } finally {
      open.lockWaiters.delete(waiter);
    }
    if (!req.conn.opens.has(open.volatileId)) {
      files.unlock(f, { owner: open.lockOwner, offset, length });
      throw new SmbError(STATUS_FILE_CLOSED);
    }
  }
  return { offset, length, exclusive };
}

export async function lock(req: SmbRequest): Promise<Reply> {
  const r = req.reader();
  const count = r.u16();
  r.u32(); // LockSequenceNumber/Index: replay detection is not implemented (no durable handles)
  const open = req.open(readFileId(r));
  if (count === 0 || count > MAX_LOCKS_PER_REQUEST) throw new SmbError(STATUS_INVALID_PARAMETER, "LockCount");
  const els = readElements(r, count);
  if (els[0]!.flags & SMB2_LOCKFLAG_UNLOCK) {
    unlockAll(req, open, els);
    return { body: EMPTY_4() };
  }
  for (const e of els) {
    const kind = e.flags & ~SMB2_LOCKFLAG_FAIL_IMMEDIATELY;
    if (kind !== SMB2_LOCKFLAG_SHARED_LOCK && kind !== SMB2_LOCKFLAG_EXCLUSIVE_LOCK) {
      throw new SmbError(STATUS_INVALID_PARAMETER, "lock flags");
    }
    if (e.length > 0n && e.offset + e.length - 1n > U64_MAX) throw new SmbError(STATUS_INVALID_LOCK_RANGE);
  }
  const taken: HeldLock[] = [];
  try {
    for (const e of els) {
      const blocking = count === 1 && !(e.flags & SMB2_LOCKFLAG_FAIL_IMMEDIATELY);
      const held = await acquire(req, open, e, blocking);
      taken.push(held);
      open.locks.push(held);
    }
    // A CLOSE (or disconnect) that ran between two elements already dropped this open's locks:
    // release what was taken after it instead of leaking locks nobody can unlock.
    if (!req.conn.opens.has(open.volatileId)) throw new SmbError(STATUS_FILE_CLOSED);
  } catch (err) {
    for (const h of taken) {
      // The open may have been closed meanwhile (its locks already dropped): indexOf is then -1.
      const at = open.locks.indexOf(h);
      if (at >= 0) open.locks.splice(at, 1);
      if (h.length > 0)
        req.server.ctx.files.unlock(fileCall(open), {
          owner: open.lockOwner,
          offset: h.offset,
          length: h.length,
        });
    }
    if (isFsError(err, "EAGAIN") || isFsError(err, "EDEADLK")) throw new SmbError(STATUS_LOCK_NOT_GRANTED);
    throw err;
  }
  return { body: EMPTY_4() };
}

export const LOCK: CommandSpec = {
  name: "LOCK",
  structureSize: 48,
  needsSession: true,
  needsTree: true,
  handle: lock,
};

/**
 * Byte-range locks and open share reservations for every protocol (NLM, SMB LOCK/CREATE, NFSv4
 * OPEN/LOCK), on the share's one LockManager, so a lock taken over one protocol blocks the others
 * (docs/architecture.md "Locks and share reservations"). Owners are protocol-scoped strings
 * (`nlm:…`, `smb:…`, `nfs4:…`) ending in a separator, so releasing by prefix (a client gone, a
 * lease expired) never reaches another owner.
 *
 * A grace period after a restart (NFSv4, RFC 8881 §8.4.2; state/grace.ts of the v4 adapter)
 * holds for every protocol: while it runs only reclaims take locks, so a lock a client held
 * before the restart cannot be given to someone else before it is reclaimed. Linux lockd and
 * NFS-Ganesha answer a new NLM lock in grace with nlm4_denied_grace_period (the client retries);
 * here a request that would wait (an SMB lock without FAIL_IMMEDIATELY) waits for the period to
 * end and then for the lock as usual, any other gets EGRACE (NLM: DENIED_GRACE_PERIOD, SMB:
 * STATUS_LOCK_NOT_GRANTED, as for a conflict). Samba has no grace period of its own: the kernel's
 * nfsd/lockd grace does not reach its locks, which this closes.
 */
import { FsError } from "../domain/errors.ts";
import type { LockKind, LockRange } from "../metadata/lock-types.ts";
import { ACCESS_MODIFY, ACCESS_READ } from "../metadata/types.ts";
import type { DataDeps } from "./data.ts";
import {
  SHARE_DELETE,
  SHARE_READ,
  SHARE_WRITE,
  type ShareModes,
  type ShareReservation,
} from "./share-modes.ts";
import type { FileCall } from "./types.ts";

export interface LockRequest {
  owner: string;
  kind: LockKind;
  offset: bigint;
  /** POSIX: 0 is to the end of the file (and beyond); Windows: a zero-byte lock. */
  length: bigint;
  /** Windows lock semantics (SMB; LockRange.windows). */
  windows?: boolean;
  /** Wait for a conflicting lock to go (NLM block, SMB without FAIL_IMMEDIATELY, NFSv4 none). */
  wait?: boolean;
  /** Ends a wait: the request fails with EAGAIN (NLM CANCEL, SMB CANCEL/CLOSE). */
  signal?: AbortSignal;
  /** A lock held before a restart, taken again in the grace period (NLM and NFSv4 reclaims). */
  reclaim?: boolean;
}

/** A grace period after a restart (NFSv4 adapter): while `active`, only reclaims take locks. */
export interface LockGrace {
  readonly active: boolean;
  /** Resolves when the period is over. */
  readonly over: Promise<void>;
}

export interface LockDeps extends DataDeps {
  modes: ShareModes;
  graces: Set<LockGrace>;
}

/** Waits out every running grace period (`wait`), or EGRACE; a reclaim passes. */
async function passGrace(d: LockDeps, r: LockRequest): Promise<void> {
  if (r.reclaim === true) return;
  for (let g = activeGrace(d); g !== undefined; g = activeGrace(d)) {
    if (r.wait !== true) throw new FsError("EGRACE");
    await abortable(g.over, r.signal);
  }
}

function activeGrace(d: LockDeps): LockGrace | undefined {
  for (const g of d.graces) {
    if (g.active) return g;
    d.graces.delete(g);
  }
  return undefined;
}

function abortable(p: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) return p;
  if (signal.aborted) return Promise.reject(new FsError("EAGAIN", "lock wait cancelled"));
  return new Promise((resolve, reject) => {
    const stop = () => reject(new FsError("EAGAIN", "lock wait cancelled"));
    signal.addEventListener("abort", stop, { once: true });
    p.then(() => {
      signal.removeEventListener("abort", stop);
      resolve();
    }, reject);
  });
}

/** Is a grace period running (NLM TEST answers DENIED_GRACE_PERIOD meanwhile)? */
export function inLockGrace(d: LockDeps): boolean {
  return activeGrace(d) !== undefined;
}

/** A grace period for every protocol's locks until it is over (FileService.addLockGrace). */
export function addLockGrace(d: LockDeps, g: LockGrace): () => void {
  if (g.active) d.graces.add(g);
  return () => {
    d.graces.delete(g);
  };
}

/**
 * The share reservation table's key for a file: its handle, canonical per file (metadata/handle.ts);
 * a named stream has share modes of its own ([MS-FSA] §2.1.5.1.2: sharing is per stream).
 */
export function fileKey(f: FileCall): string {
  const key = f.handle.toString("hex");
  return f.stream === undefined ? key : `${key}:${f.stream.toLowerCase()}`;
}

/**
 * Takes `r` for its owner (POSIX: replacing the owner's own locks over the range; Windows:
 * stacked on them); EAGAIN on conflict without `wait`, EDEADLK when waiting would deadlock,
 * EGRACE in a grace period.
 */
export async function lock(d: LockDeps, f: FileCall, r: LockRequest): Promise<void> {
  await passGrace(d, r);
  const range: LockRange = { owner: r.owner, kind: r.kind, offset: r.offset, length: r.length };
  if (r.windows === true) range.windows = true;
  return d.metadata.lock(f.handle, range, r.wait === true, r.signal);
}

/** The first lock of another owner that conflicts with `range`, or null. */
export function testLock(d: LockDeps, f: FileCall, range: LockRange): LockRange | null {
  return d.metadata.testLock(f.handle, range);
}

export function unlock(d: LockDeps, f: FileCall, range: Omit<LockRange, "kind">): boolean {
  return d.metadata.unlock(f.handle, range);
}

/** The locks `owner` holds on the file. */
export function locksOf(d: LockDeps, f: FileCall, owner: string): LockRange[] {
  return d.metadata.locksOf(f.handle, owner);
}

/**
 * May the caller lock this file? A shared lock needs read permission, an exclusive one write
 * permission and read-write access to the share; the file's owner may lock what it owns whatever
 * the mode (nfsd's owner override, as Linux lockd opens the file as the caller). Read-only shares
 * still allow locks.
 */
export async function checkLockAccess(d: LockDeps, f: FileCall, exclusive: boolean): Promise<void> {
  if (exclusive && f.access !== undefined && f.access.level !== "read-write") {
    throw new FsError("EACCES", "read-only access");
  }
  const want = exclusive ? ACCESS_MODIFY : ACCESS_READ;
  const { granted, attr } = await d.metadata.access(f.caller, f.handle, want);
  if (granted !== want && attr.uid !== f.caller.uid) throw new FsError("EACCES");
}

/** The read/write bits `deny` adds over what the owner already denied (`held`). */
function newDenial(access: number, deny: number, held: number): number {
  // One that accesses nothing denies nothing (files/share-modes.ts): an attributes-only open passes.
  return access === 0 ? 0 : deny & ~held & (SHARE_READ | SHARE_WRITE);
}

/**
 * The grace rule for share reservations, the one check every protocol's opens pass: while a
 * grace period runs, a reservation that is not a reclaim may not newly deny reading or writing
 * (EGRACE), as a new lock that does not wait: it could refuse the reclaim of an NFSv4 open still
 * to come (an open accesses only reading and writing; RFC 8881 §8.4.2, §9.7). `held`: what the
 * owner already denies on the file, so an upgrade or downgrade of a reclaimed open passes.
 */
export function checkReserveGrace(
  d: LockDeps,
  r: Pick<ShareReservation, "access" | "deny">,
  reclaim: boolean,
  held = 0,
): void {
  if (!reclaim && newDenial(r.access, r.deny, held) !== 0 && inLockGrace(d)) {
    throw new FsError("EGRACE", "share reservation denying others in the grace period");
  }
}

/**
 * Records the owner's share reservation on the file (replacing its earlier one); EBUSY on
 * conflict, EGRACE by the grace rule above unless `reclaim` (an NFSv4 CLAIM_PREVIOUS OPEN).
 */
export function reserve(d: LockDeps, f: FileCall, r: ShareReservation, reclaim = false): void {
  const key = fileKey(f);
  const held = d.modes.of(key, r.owner);
  checkReserveGrace(d, r, reclaim, held?.access ? held.deny : 0);
  if (f.stream === undefined && r.access & SHARE_DELETE && d.modes.streamDeniesDelete(key, r.owner))
    throw new FsError("EBUSY", "an open stream of the file denies deleting it");
  d.modes.reserve(key, r);
}

export function unreserve(d: LockDeps, f: FileCall, owner: string): void {
  d.modes.release(fileKey(f), owner);
}

/** Everything owners starting with `ownerPrefix` hold: their locks and share reservations. */
export function releaseOwner(d: LockDeps, ownerPrefix: string): void {
  d.metadata.unlockAll(ownerPrefix);
  d.modes.releaseAll(ownerPrefix);
}

/**
 * Byte-range locks of one share, shared by NLM, NFSv4 and SMB LOCK. Owners are opaque strings
 * scoped by the protocol (`nlm:<host>:<svid>`, `smb:<session>:<fileId>`). Two flavours live side
 * by side, as in Samba's brlock (POSIX_LOCK / WINDOWS_LOCK):
 *
 * - POSIX (NLM, NFSv4): a new lock replaces the owner's own locks over its range (splitting
 *   them), unlock removes the owner's coverage of a range, an owner never conflicts with itself,
 *   length 0 means "to the end of the file".
 * - Windows (SMB, owner = the open; [MS-FSA] §2.1.5.7, §2.1.4.10): locks stack, two locks of one
 *   range are two locks and unlock removes one of exactly that range (the oldest: an exclusive
 *   before the shared ones stacked on it). The owner's own locks conflict too, except a shared
 *   lock over its own exclusive one. Length 0 is a zero-byte lock: it conflicts only with a lock
 *   that contains its offset and the byte before it.
 *
 * Across owners (and flavours) two locks conflict when their ranges overlap and one is
 * exclusive, so a lock taken over one protocol blocks the others. Ranges are exact unsigned
 * 64-bit bigints. Blocked requests wait FIFO and are re-tried whenever a lock on the file goes
 * away; a waiter can be aborted (NLM CANCEL, SMB cancel, client gone).
 */
import { FsError } from "../domain/errors.ts";
import type { LockRange } from "./lock-types.ts";

export const LOCKS_PER_SHARE_MAX = 100_000;
export const LOCK_WAITERS_PER_SHARE_MAX = 4096;

/** One past the last byte of the 64-bit space: the end of a POSIX lock "to the end of the file". */
const SPACE_END = 1n << 64n;

interface Waiter {
  range: LockRange;
  resolve: () => void;
  reject: (e: Error) => void;
  cleanup: () => void;
}

interface FileLocks {
  locks: LockRange[];
  waiters: Waiter[];
}

type Span = Pick<LockRange, "offset" | "length" | "windows">;

/** The exclusive end; a Windows zero-byte lock is the empty range at its offset. */
function end(r: Span): bigint {
  return r.length === 0n && r.windows !== true ? SPACE_END : r.offset + r.length;
}

/** Half-open overlap; an empty (zero-byte) range overlaps a range strictly around its offset. */
function overlaps(a: Span, b: Span): boolean {
  return a.offset < end(b) && b.offset < end(a);
}

/** Would `req` conflict with `held` if it were taken as a lock? */
export function conflicts(held: LockRange, req: LockRange): boolean {
  if (held.kind === "shared" && req.kind === "shared") return false;
  if (held.owner === req.owner) {
    if (held.windows !== true || req.windows !== true) return false;
    // A Windows open may stack a shared lock on its own exclusive one (Samba brl_conflict).
    if (held.kind === "exclusive" && req.kind === "shared") return false;
  }
  return overlaps(held, req);
}

/**
 * Does `held` stop reading (`probe` shared) or writing (exclusive) the probe's range? Another
 * owner's overlapping lock does unless both are shared; the owner's own only when it is a
 * Windows shared lock and the probe a write (Samba brl_conflict_other, smbtorture LOCKTEST7).
 */
function stopsIo(held: LockRange, probe: LockRange): boolean {
  if (held.kind === "shared" && probe.kind === "shared") return false;
  if (!overlaps(held, probe)) return false;
  if (held.owner !== probe.owner) return true;
  return held.windows === true && held.kind === "shared";
}

/** The parts of `r` outside `[offset, end)` (POSIX locks only). */
function subtract(r: LockRange, cut: Span): LockRange[] {
  if (!overlaps(r, cut)) return [r];
  const out: LockRange[] = [];
  if (r.offset < cut.offset) out.push({ ...r, length: cut.offset - r.offset });
  const cutEnd = end(cut);
  const rEnd = end(r);
  if (cutEnd < rEnd) out.push({ ...r, offset: cutEnd, length: rEnd === SPACE_END ? 0n : rEnd - cutEnd });
  return out;
}

/** Is `held` one of the owner's POSIX locks (which a new lock or an unlock of the owner reshapes)? */
function ownPosix(held: LockRange, owner: string): boolean {
  return held.owner === owner && held.windows !== true;
}

function validate(range: Span): void {
  if (typeof range.offset !== "bigint" || range.offset < 0n || range.offset >= SPACE_END)
    throw new FsError("EINVAL", "lock offset");
  if (typeof range.length !== "bigint" || range.length < 0n || range.offset + range.length > SPACE_END)
    throw new FsError("EINVAL", "lock length");
}

export class LockManager {
  private readonly files = new Map<string, FileLocks>();
  private lockCount = 0;
  private waiterCount = 0;

  /** The first lock `range` conflicts with, or null; `io`: a read/write probe (stopsIo). */
  test(file: string, range: LockRange, io = false): LockRange | null {
    validate(range);
    const hit = io ? stopsIo : conflicts;
    for (const held of this.files.get(file)?.locks ?? []) if (hit(held, range)) return { ...held };
    return null;
  }

  async lock(file: string, range: LockRange, wait: boolean, signal?: AbortSignal): Promise<void> {
    validate(range);
    const f = this.entry(file);
    const blocker = f.locks.find((held) => conflicts(held, range));
    if (blocker === undefined) return this.grant(f, range);
    if (!wait) throw new FsError("EAGAIN", "lock conflict");
    if (this.waitsOn(blocker.owner, range.owner)) throw new FsError("EDEADLK");
    if (this.waiterCount >= LOCK_WAITERS_PER_SHARE_MAX) throw new FsError("EAGAIN", "too many lock waiters");
    if (signal?.aborted) throw new FsError("EAGAIN", "lock wait cancelled");
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.dropWaiter(file, waiter);
        reject(new FsError("EAGAIN", "lock wait cancelled"));
      };
      const waiter: Waiter = {
        range: { ...range },
        resolve,
        reject,
        cleanup: () => signal?.removeEventListener("abort", onAbort),
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      f.waiters.push(waiter);
      this.waiterCount++;
    });
  }

  /**
   * POSIX: drops the owner's coverage of the range (true). Windows: drops the owner's oldest lock
   * of exactly this range; false when it holds none.
   */
  unlock(file: string, range: Omit<LockRange, "kind">): boolean {
    validate(range);
    const f = this.files.get(file);
    if (range.windows === true) {
      const i =
        f?.locks.findIndex(
          (h) =>
            h.windows === true &&
            h.owner === range.owner &&
            h.offset === range.offset &&
            h.length === range.length,
        ) ?? -1;
      if (f === undefined || i < 0) return false;
      this.setLocks(f, f.locks.toSpliced(i, 1));
      this.wake(file, f);
      return true;
    }
    if (f === undefined) return true;
    this.setLocks(
      f,
      f.locks.flatMap((held) => (ownPosix(held, range.owner) ? subtract(held, range) : [held])),
    );
    this.wake(file, f);
    return true;
  }

  unlockAll(ownerPrefix: string): void {
    for (const [file, f] of this.files) {
      for (const w of f.waiters.filter((x) => x.range.owner.startsWith(ownerPrefix))) {
        this.dropWaiter(file, w);
        w.reject(new FsError("EAGAIN", "lock owner gone"));
      }
      this.setLocks(
        f,
        f.locks.filter((held) => !held.owner.startsWith(ownerPrefix)),
      );
      this.wake(file, f);
    }
  }

  /** Drops everything (share removed): waiters are rejected. */
  clear(): void {
    for (const f of this.files.values()) {
      for (const w of f.waiters) {
        w.cleanup();
        w.reject(new FsError("ESTALE", "share removed"));
      }
    }
    this.files.clear();
    this.lockCount = 0;
    this.waiterCount = 0;
  }

  /** Locks held on a file (diagnostics, tests). */
  held(file: string): LockRange[] {
    return (this.files.get(file)?.locks ?? []).map((l) => ({ ...l }));
  }

  private entry(file: string): FileLocks {
    let f = this.files.get(file);
    if (f === undefined) {
      f = { locks: [], waiters: [] };
      this.files.set(file, f);
    }
    return f;
  }

  private grant(f: FileLocks, range: LockRange): void {
    const kept =
      range.windows === true
        ? [...f.locks]
        : f.locks.flatMap((held) => (ownPosix(held, range.owner) ? subtract(held, range) : [held]));
    if (this.lockCount - f.locks.length + kept.length + 1 > LOCKS_PER_SHARE_MAX) {
      throw new FsError("ENOSPC", "too many locks");
    }
    kept.push({ ...range });
    this.setLocks(f, kept);
  }

  private setLocks(f: FileLocks, locks: LockRange[]): void {
    this.lockCount += locks.length - f.locks.length;
    f.locks = locks;
  }

  /** Grants waiters, oldest first, that no longer conflict. */
  private wake(file: string, f: FileLocks): void {
    for (const w of [...f.waiters]) {
      if (f.locks.some((held) => conflicts(held, w.range))) continue;
      this.dropWaiter(file, w);
      try {
        this.grant(f, w.range);
        w.resolve();
      } catch (e) {
        w.reject(e as Error);
      }
    }
    if (f.locks.length === 0 && f.waiters.length === 0) this.files.delete(file);
  }

  private dropWaiter(file: string, w: Waiter): void {
    const f = this.files.get(file);
    const i = f?.waiters.indexOf(w) ?? -1;
    if (f === undefined || i < 0) return;
    f.waiters.splice(i, 1);
    this.waiterCount--;
    w.cleanup();
  }

  /** One-step deadlock check: is `holder` already waiting on a lock that `requester` holds? */
  private waitsOn(holder: string, requester: string): boolean {
    for (const f of this.files.values()) {
      for (const w of f.waiters) {
        if (w.range.owner !== holder) continue;
        if (f.locks.some((held) => held.owner === requester && conflicts(held, w.range))) return true;
      }
    }
    return false;
  }
}

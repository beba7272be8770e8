/**
 * Byte-range locks of one share, shared by NLM and SMB LOCK. Owners are opaque strings scoped by
 * the protocol (`nlm:<host>:<svid>`, `smb:<session>:<fileId>`). POSIX/NLM semantics for one owner:
 * a new lock replaces the owner's own locks over its range (splitting them), and unlock removes
 * the owner's coverage of a range. Two locks conflict when their owners differ, their ranges
 * overlap and at least one is exclusive. Blocked requests wait FIFO and are re-tried whenever a
 * lock on the file goes away; a waiter can be aborted (NLM CANCEL, SMB cancel, client gone).
 */
import { FsError } from "../domain/errors.ts";
import type { LockRange } from "./types.ts";

export const LOCKS_PER_SHARE_MAX = 100_000;
export const LOCK_WAITERS_PER_SHARE_MAX = 4096;

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

function end(r: Pick<LockRange, "offset" | "length">): number {
  return r.length === 0 ? Number.POSITIVE_INFINITY : r.offset + r.length;
}

function overlaps(a: Pick<LockRange, "offset" | "length">, b: Pick<LockRange, "offset" | "length">): boolean {
  return a.offset < end(b) && b.offset < end(a);
}

export function conflicts(a: LockRange, b: LockRange): boolean {
  return a.owner !== b.owner && overlaps(a, b) && (a.kind === "exclusive" || b.kind === "exclusive");
}

/** The parts of `r` outside `[offset, end)`. */
function subtract(r: LockRange, cut: Pick<LockRange, "offset" | "length">): LockRange[] {
  if (!overlaps(r, cut)) return [r];
  const out: LockRange[] = [];
  if (r.offset < cut.offset) out.push({ ...r, length: cut.offset - r.offset });
  const cutEnd = end(cut);
  const rEnd = end(r);
  if (cutEnd < rEnd)
    out.push({ ...r, offset: cutEnd, length: rEnd === Number.POSITIVE_INFINITY ? 0 : rEnd - cutEnd });
  return out;
}

function validate(range: Pick<LockRange, "offset" | "length">): void {
  if (!Number.isSafeInteger(range.offset) || range.offset < 0) throw new FsError("EINVAL", "lock offset");
  if (!Number.isSafeInteger(range.length) || range.length < 0) throw new FsError("EINVAL", "lock length");
}

export class LockManager {
  private readonly files = new Map<string, FileLocks>();
  private lockCount = 0;
  private waiterCount = 0;

  test(file: string, range: LockRange): LockRange | null {
    validate(range);
    for (const held of this.files.get(file)?.locks ?? []) if (conflicts(held, range)) return { ...held };
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

  unlock(file: string, range: Omit<LockRange, "kind">): void {
    validate(range);
    const f = this.files.get(file);
    if (f === undefined) return;
    this.setLocks(
      f,
      f.locks.flatMap((held) => (held.owner === range.owner ? subtract(held, range) : [held])),
    );
    this.wake(file, f);
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
    const kept = f.locks.flatMap((held) => (held.owner === range.owner ? subtract(held, range) : [held]));
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

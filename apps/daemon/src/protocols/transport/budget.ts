/**
 * The global buffer budget: what every NFS and SMB connection together may hold of bytes a peer
 * sent (frames being assembled or still being handled) and of replies queued on sockets. A
 * connection reserves a frame's declared length when its header arrives; when the budget cannot
 * cover it, the connection stops reading until bytes are released (it is woken in FIFO order).
 * A connection that already reserved its frame can always finish it, so the budget cannot
 * deadlock; a peer that reserves and then stalls is closed by the frame deadline (guard.ts).
 */
import { totalmem } from "node:os";

const MIB = 1024 * 1024;
/** Default budget: 1/16 of the machine's memory, between 64 MiB and 1 GiB. */
export function defaultBufferBudgetBytes(memoryBytes = totalmem()): number {
  return Math.min(1024 * MIB, Math.max(64 * MIB, Math.floor(memoryBytes / 16)));
}

export class ByteBudget {
  private used = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(readonly limitBytes: number = defaultBufferBudgetBytes()) {}

  get usedBytes(): number {
    return this.used;
  }

  /** Reserves `n` bytes if they fit (an empty budget always grants one frame, so it never stalls). */
  tryReserve(n: number): boolean {
    if (this.used > 0 && this.used + n > this.limitBytes) return false;
    this.used += n;
    return true;
  }

  /** Reserves without refusing (replies already computed must go out); may overshoot the limit. */
  force(n: number): void {
    this.used += n;
  }

  release(n: number): void {
    this.used = Math.max(0, this.used - n);
    if (this.waiters.length === 0 || this.used >= this.limitBytes) return;
    // Each woken connection retries; one that still does not fit waits again (a new list).
    const woken = this.waiters.splice(0);
    for (const wake of woken) wake();
  }

  /** Calls `wake` once bytes were released (the caller retries its reservation then). */
  waitForRoom(wake: () => void): void {
    this.waiters.push(wake);
  }

  /** Forgets a waiter whose connection closed. */
  cancelWait(wake: () => void): void {
    const i = this.waiters.indexOf(wake);
    if (i >= 0) this.waiters.splice(i, 1);
  }
}

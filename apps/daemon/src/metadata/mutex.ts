/** A FIFO async mutex: serializes transactions of single-connection stores (memory, SQLite). */
export class Mutex {
  private locked = false;
  private readonly waiters: (() => void)[] = [];

  /** Callers queued behind the current holder. */
  get waiting(): number {
    return this.waiters.length;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.locked) await new Promise<void>((resolve) => this.waiters.push(resolve));
    else this.locked = true;
    try {
      return await fn();
    } finally {
      const next = this.waiters.shift();
      if (next !== undefined) next();
      else this.locked = false;
    }
  }
}

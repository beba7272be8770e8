/**
 * A bounded number of store calls in flight; the rest wait their turn, first come first served.
 * The fs store runs its writes through one (fs.ts): each is a chain of libuv threadpool jobs
 * (open, writev, fdatasync, rename), and with the transfer lane's uploads all in flight they would
 * fill the pool (4 threads by default) and queue a request's WAL append or block read behind them
 * (docs/payload.md "Background work").
 */
export class IoGate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {}

  async run<T>(call: () => Promise<T>): Promise<T> {
    if (this.running < this.limit) this.running++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve)); // the leaver hands its turn over
    try {
      return await call();
    } finally {
      const next = this.waiting.shift();
      if (next !== undefined) next();
      else this.running--;
    }
  }
}

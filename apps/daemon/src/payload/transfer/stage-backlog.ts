/**
 * Backpressure of write-behind (docs/payload.md "Write-behind"): the bytes written into staged
 * blocks and not yet in their staging files (transfer/write-behind.ts). Past the maximum a
 * write-once WRITE waits before it answers, until the disk catches up.
 */

/**
 * Past this many bytes written into staged blocks and not yet in their files, a writer waits until
 * the disk catches up (docs/payload.md "Write-behind"): without it, a client faster than the disk
 * left most blocks unstaged for the COMMIT or CLOSE to write and sync itself.
 */
export const STAGE_BACKLOG_BYTES_MAX = 32 * 1024 * 1024;

/** Bytes of one engine's staged blocks not yet in their files; writers wait past the maximum. */
export class StageBacklog {
  bytes = 0;
  private waiters: (() => void)[] = [];

  constructor(readonly max = STAGE_BACKLOG_BYTES_MAX) {}

  add(n: number): void {
    this.bytes += n;
  }

  sub(n: number): void {
    this.bytes -= n;
    if (this.bytes <= this.max) this.wake();
  }

  /** undefined when there is room, else a promise that resolves once there is. */
  room(): Promise<void> | undefined {
    if (this.bytes <= this.max) return undefined;
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Lets every waiting writer go (the engine closes). */
  wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const resolve of w) resolve();
  }
}

/** A window of recent latency samples for p50/p99 in stats (no unbounded growth). */
export const LATENCY_SAMPLES_MAX = 1024;

export class LatencyWindow {
  private readonly samples = new Float64Array(LATENCY_SAMPLES_MAX);
  private count = 0;

  add(ms: number): void {
    this.samples[this.count % LATENCY_SAMPLES_MAX] = ms;
    this.count++;
  }

  percentile(p: number): number {
    const n = Math.min(this.count, LATENCY_SAMPLES_MAX);
    if (n === 0) return 0;
    const sorted = this.samples.slice(0, n).sort();
    return sorted[Math.min(n - 1, Math.floor(p * n))]!;
  }
}

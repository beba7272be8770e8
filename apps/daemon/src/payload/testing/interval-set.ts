/** A set of byte ranges as sorted, disjoint [start, end) runs (the crash test's "undetermined" bytes). */
export class IntervalSet {
  private runs: [number, number][] = [];

  add(a: number, b: number): void {
    if (a >= b) return;
    const out: [number, number][] = [];
    let na = a;
    let nb = b;
    for (const [ra, rb] of this.runs) {
      if (rb < na || ra > nb) out.push([ra, rb]);
      else {
        na = Math.min(na, ra);
        nb = Math.max(nb, rb);
      }
    }
    out.push([na, nb]);
    out.sort((x, y) => x[0] - y[0]);
    this.runs = out;
  }

  remove(a: number, b: number): void {
    if (a >= b) return;
    const out: [number, number][] = [];
    for (const [ra, rb] of this.runs) {
      if (rb <= a || ra >= b) out.push([ra, rb]);
      else {
        if (ra < a) out.push([ra, a]);
        if (rb > b) out.push([b, rb]);
      }
    }
    this.runs = out;
  }

  clear(): void {
    this.runs = [];
  }

  /** The runs of [0, end) not in the set. */
  gaps(end: number): [number, number][] {
    const out: [number, number][] = [];
    let at = 0;
    for (const [ra, rb] of this.runs) {
      if (ra > at) out.push([at, Math.min(ra, end)]);
      at = Math.max(at, rb);
    }
    if (at < end) out.push([at, end]);
    return out.filter(([a, b]) => a < b);
  }
}

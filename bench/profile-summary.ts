/**
 * Summarizes a V8 .cpuprofile (from `node --cpu-prof`): self time by function and by file, top N.
 *   npx tsx bench/profile-summary.ts FILE.cpuprofile [N]
 */
import { readFileSync } from "node:fs";

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
const [file, nArg] = process.argv.slice(2);
if (!file) throw new Error("usage: profile-summary FILE [N]");
const p = JSON.parse(readFileSync(file, "utf8")) as {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
};
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
for (const [i, id] of p.samples.entries()) self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
const total = [...self.values()].reduce((a, b) => a + b, 0);
const fn = new Map<string, number>();
const files = new Map<string, number>();
for (const [id, us] of self) {
  const n = byId.get(id)!;
  const url = n.callFrame.url.replace(/^file:\/\/\/work\/main\//, "").replace(/.*node_modules\//, "nm/");
  const key = `${n.callFrame.functionName || "(anon)"} ${url}:${n.callFrame.lineNumber + 1}`;
  fn.set(key, (fn.get(key) ?? 0) + us);
  const f = url || `(${n.callFrame.functionName})`;
  files.set(f, (files.get(f) ?? 0) + us);
}
const top = (m: Map<string, number>, k: number) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, k)
    .map(([name, us]) => `${((100 * us) / total).toFixed(1).padStart(5)}%  ${name}`);
const n = Number(nArg ?? 25);
console.log(`total ${(total / 1e6).toFixed(2)} s sampled`);
console.log("-- self time by function --");
console.log(top(fn, n).join("\n"));
console.log("-- self time by file --");
console.log(top(files, 15).join("\n"));

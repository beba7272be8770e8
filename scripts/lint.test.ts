/**
 * `npm run lint` (biome check: the house lint rules and formatting) is part of `npm test`, so a
 * landing that leaves an unused import, a misplaced ARIA attribute or an unformatted file fails
 * CI instead of piling up. A failure prints biome's diagnostics.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..");

describe("lint", () => {
  it("biome check . reports no errors", () => {
    const r = spawnSync(join(root, "node_modules", ".bin", "biome"), ["check", ".", "--max-diagnostics=50"], {
      cwd: root,
      encoding: "utf8",
    });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
  });
});

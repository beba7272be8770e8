/**
 * The import rules of apps/daemon/src (.dependency-cruiser.cjs, docs/architecture.md "Layers"):
 * the layer order protocols -> files -> metadata / payload -> stores -> domain, and no cycles.
 * A failure prints each offending edge as `rule: from → to`.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..");
const depcruise = join(root, "node_modules", "dependency-cruiser", "bin", "dependency-cruise.mjs");

function cruise(): { status: number | null; output: string } {
  const r = spawnSync(
    process.execPath,
    [depcruise, "apps/daemon/src", "--config", ".dependency-cruiser.cjs", "--output-type", "err"],
    { cwd: root, encoding: "utf8" },
  );
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe("apps/daemon/src import rules", () => {
  it("keeps the layer order and has no import cycles", () => {
    const { status, output } = cruise();
    expect(output).toContain("no dependency violations found");
    expect(status).toBe(0);
  });
});

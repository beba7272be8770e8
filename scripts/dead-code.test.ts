/**
 * No dead code: knip (knip.jsonc) finds no unused file, export or exported type in the workspaces.
 * A failure prints knip's report: delete what it lists, or un-export what only its file uses.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..");
const knip = join(root, "node_modules", "knip", "bin", "knip.js");

describe("dead code", () => {
  it("has no unused files, exports or exported types", () => {
    const r = spawnSync(process.execPath, [knip, "--no-progress"], { cwd: root, encoding: "utf8" });
    expect(`${r.stdout}${r.stderr}`.trim()).toBe("");
    expect(r.status).toBe(0);
  });
});

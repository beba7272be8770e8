import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { daemonHarness } from "../runtime/testing/daemon-harness.ts";

const DFS = fileURLToPath(new URL("../../bin/dfs.mjs", import.meta.url));

describe("dfs start as a process", () => {
  const h = daemonHarness();
  afterAll(() => h.dispose());

  it("serves with the daemon's V8 flags and threadpool until SIGTERM, then stops gracefully with status 0", async () => {
    // Seed the data dir so the child's adapters bind 127.0.0.1 on free ports, not 12049/12445.
    const seeded = await h.start();
    for (const type of ["nfs", "smb"]) {
      await seeded.store.updateAdapter(type, { port: 0, settings: { host: "127.0.0.1" } });
    }
    await h.stop();

    const child = spawn(process.execPath, [DFS, "start", "--data-dir", h.dataDir], {
      env: {
        ...process.env,
        UV_THREADPOOL_SIZE: undefined, // as a shell starts it: the bin sets DAEMON_ENV's
        DITTOFS_CONFIG: "",
        DITTOFS_HTTP_LISTEN: "127.0.0.1:0",
        DITTOFS_LOG_LEVEL: "info",
      },
    });
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        const match = /listening on (http:\/\/\S+)/.exec(stdout);
        if (match) resolve(match[1]!);
      });
      void exited.then((code) => reject(new Error(`dfs exited with ${code}: ${stderr}`)));
    });
    try {
      expect((await fetch(`${url}/health/ready`)).status).toBe(200);
      expect(stdout).not.toContain("first start"); // seeded above
      // Started without them, the bin replaced itself (same pid) with DAEMON_NODE_FLAGS added.
      const argv = readFileSync(`/proc/${child.pid}/cmdline`, "utf8").split("\0");
      expect(argv).toContain("--max-semi-space-size=16");
      // ... and with DAEMON_ENV: libuv's threadpool has 16 threads (4 without it).
      const threads = readdirSync(`/proc/${child.pid}/task`).map((t) =>
        readFileSync(`/proc/${child.pid}/task/${t}/comm`, "utf8").trim(),
      );
      expect(threads.filter((name) => name === "libuv-worker")).toHaveLength(16);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
    expect(stderr).toContain('"msg":"adapter stopped"');
    expect(stderr).toContain('"msg":"dittofs stopped"');
  });
});

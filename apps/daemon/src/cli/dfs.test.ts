import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "./dfs-program.ts";
import { runCli } from "./testing/run-cli.ts";

/** Runs `dfs` in-process with its own cwd and environment. */
async function dfs(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  let stdout = "";
  let stderr = "";
  const code = await main(["node", "dfs", ...args], {
    out: (t) => {
      stdout += t;
    },
    err: (t) => {
      stderr += t;
    },
    env: opts.env ?? {},
    cwd: opts.cwd ?? tmpdir(),
  });
  return { code, stdout, stderr };
}

describe("dfs CLI", () => {
  it("as a process: prints help, and exits 2 naming the key of a bad config", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dfs-cli-"));
    writeFileSync(join(dir, "bad.yaml"), "cache:\n  size: plenty\n");
    const env = { DITTOFS_CONFIG: "", DITTOFS_CACHE_SIZE: "" };
    const [help, validate, start] = await Promise.all([
      runCli("dfs", ["--help"], { cwd: dir, env }),
      runCli("dfs", ["config", "validate", "--config", "bad.yaml"], { cwd: dir, env }),
      runCli("dfs", ["start", "--config", "bad.yaml"], { cwd: dir, env }),
    ]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: dfs/);
    for (const r of [validate, start]) {
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^config error: cache\.size: "plenty" is not a size/);
    }
  });

  it("prints help for every command", async () => {
    for (const args of [
      ["--help"],
      ["init", "--help"],
      ["start", "--help"],
      ["config", "validate", "--help"],
    ]) {
      const r = await dfs(args);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Usage: dfs/);
    }
    expect((await dfs(["start", "--help"])).stdout).toContain("--data-dir");
  });

  it("init writes a config that validates and refuses to overwrite it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dfs-cli-"));
    expect((await dfs(["init"], { cwd: dir })).code).toBe(0);
    expect(readFileSync(join(dir, "dittofs.yaml"), "utf8")).toContain("# DittoFS daemon configuration");
    const again = await dfs(["init"], { cwd: dir });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("already exists");

    const ok = await dfs(["config", "validate"], { cwd: dir });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout.slice(ok.stdout.indexOf("{")))).toMatchObject({
      dataDir: join(dir, "data"),
      http: { host: "127.0.0.1", port: 8080 },
    });
    const pg = await dfs(["config", "validate"], {
      cwd: dir,
      env: { DITTOFS_DATABASE_URL: "postgres://u:secret@127.0.0.1/db" },
    });
    expect(pg.stdout).toContain("postgres://u:***@127.0.0.1/db");
    expect(pg.stdout).not.toContain("secret");
  });

  it("exits 2 for a bad environment value, unknown commands and options", async () => {
    const badEnv = await dfs(["config", "validate"], { env: { DITTOFS_HTTP_LISTEN: "nowhere" } });
    expect(badEnv.code).toBe(2);
    expect(badEnv.stderr).toMatch(/^config error: http\.listen \(from DITTOFS_HTTP_LISTEN\): /);
    const command = await dfs(["serve"]);
    expect(command.code).toBe(2);
    expect(command.stderr).toContain("unknown command");
    const option = await dfs(["start", "--bogus"]);
    expect(option.code).toBe(2);
    expect(option.stderr).toContain("unknown option");
  });
});

/** Runs `dfs` / `dfsctl` as child processes (through their bin launchers), like a user would. */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

const BIN = {
  dfs: fileURLToPath(new URL("../../../bin/dfs.mjs", import.meta.url)),
  dfsctl: fileURLToPath(new URL("../../../bin/dfsctl.mjs", import.meta.url)),
};

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(
  bin: keyof typeof BIN,
  args: string[],
  /** `node`: the executable that starts the bin (default: this process's). */
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; node?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      opts.node ?? process.execPath,
      [BIN[bin], ...args],
      { env: { ...process.env, ...opts.env }, cwd: opts.cwd, timeout: 30_000 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === "number" ? err.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/**
 * smbclient helpers shared by the SMB robustness tests: run a command list (never throws),
 * kill a get once its transfer started, and a put/get round trip that proves the server still
 * serves.
 */
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";

export interface SmbTarget {
  port: number;
  user: string;
  password: string;
  /** Defaults to "export". */
  share?: string;
}

const SMBCLIENT_TIMEOUT_MS = 120_000;
/** A killed get waits at most this long for its first bytes before the kill. */
const KILL_AFTER_MS = 3000;

function baseArgs(t: SmbTarget): string[] {
  return [`//127.0.0.1/${t.share ?? "export"}`, "-p", String(t.port), "-U", `${t.user}%${t.password}`];
}

/** smbclient -c `cmds` (with extra `--option`s); resolves with exit code and output, never throws. */
export function smbclient(
  t: SmbTarget,
  cmds: string,
  cwd: string,
  options: string[] = [],
  /** Command-line flags before `-c` (`-e`: encrypt, [smbclient(1)]). */
  flags: string[] = [],
): Promise<{ code: number; out: string }> {
  const args = [...baseArgs(t), ...flags];
  for (const o of options) args.push("--option", o);
  args.push("-c", cmds);
  return new Promise((resolve) => {
    execFile(
      "smbclient",
      args,
      { cwd, timeout: SMBCLIENT_TIMEOUT_MS, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        const code = err
          ? typeof (err as { code?: unknown }).code === "number"
            ? (err as { code: number }).code
            : 1
          : 0;
        resolve({ code, out: `${stdout}${stderr}` });
      },
    );
  });
}

/** Starts `get remote localPath` and SIGKILLs smbclient once bytes landed locally (or after 3 s). */
export async function killGetMidway(t: SmbTarget, remote: string, localPath: string): Promise<void> {
  const child = spawn("smbclient", [...baseArgs(t), "-c", `get ${remote} ${localPath}`], { stdio: "ignore" });
  const exited = new Promise((r) => child.once("exit", r));
  const until = Date.now() + KILL_AFTER_MS;
  while (Date.now() < until && !(existsSync(localPath) && statSync(localPath).size > 0)) {
    await new Promise((r) => setTimeout(r, 5));
  }
  child.kill("SIGKILL");
  await exited;
}

/** Puts a fresh small file and gets it back: the server still serves, byte for byte. */
export async function expectPutGetRoundTrip(t: SmbTarget, dir: string): Promise<void> {
  const name = `alive-${randomBytes(4).toString("hex")}.txt`;
  const data = `still here ${name}`;
  writeFileSync(join(dir, name), data);
  const r = await smbclient(t, `put ${name}; get ${name} ${name}.back`, dir);
  expect(r.code, r.out).toBe(0);
  expect(readFileSync(join(dir, `${name}.back`), "utf8")).toBe(data);
}

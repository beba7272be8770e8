/**
 * Where dfsctl keeps its login: `$XDG_CONFIG_HOME/dittofs/session.json` (default
 * `~/.config/dittofs/`), the directory 0700 and the file 0600 because the token is a credential.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export const DEFAULT_API_URL = "http://127.0.0.1:8080";

export interface SavedSession {
  url: string;
  token: string;
  username: string;
  expiresAt: string;
}

export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  const base =
    env.XDG_CONFIG_HOME !== undefined && env.XDG_CONFIG_HOME !== ""
      ? env.XDG_CONFIG_HOME
      : join(homedir(), ".config");
  return join(base, "dittofs");
}

export function sessionPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(configDir(env), "session.json");
}

export function loadSession(env: NodeJS.ProcessEnv = process.env): SavedSession | null {
  const path = sessionPath(env);
  if (!existsSync(path)) return null;
  try {
    const parsed = JSON.parse(readFileSync(path, "utf8")) as Partial<SavedSession>;
    if (typeof parsed.url !== "string" || typeof parsed.token !== "string") return null;
    return parsed as SavedSession;
  } catch {
    return null;
  }
}

export function saveSession(session: SavedSession, env: NodeJS.ProcessEnv = process.env): string {
  const dir = configDir(env);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const path = sessionPath(env);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(session, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
  return path;
}

export function clearSession(env: NodeJS.ProcessEnv = process.env): void {
  rmSync(sessionPath(env), { force: true });
}

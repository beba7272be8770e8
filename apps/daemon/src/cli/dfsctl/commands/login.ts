/** `dfsctl login` / `logout` / `whoami`. */
import { createInterface } from "node:readline/promises";
import type { Command } from "commander";
import { apiClient, resolveUrl } from "../client.ts";
import { contextOf } from "../context.ts";
import { print, printDone } from "../output.ts";
import { clearSession, loadSession, saveSession } from "../session.ts";

async function prompt(question: string): Promise<string> {
  if (!process.stdin.isTTY)
    throw new Error(`${question.replace(/: $/, "")} is required (stdin is not a terminal)`);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
  }
}

export function registerLogin(program: Command): void {
  program
    .command("login")
    .description("log in to the daemon's API and keep the session token (0600) for later commands")
    .option("-u, --username <name>", "user name (asked when missing)")
    .option("-p, --password <password>", "password (asked when missing; or DITTOFS_PASSWORD)")
    .action(async (opts: { username?: string; password?: string }, command: Command) => {
      const { format, url: urlFlag } = contextOf(command);
      const url = resolveUrl(urlFlag);
      const username = opts.username ?? (await prompt("username: "));
      const password = opts.password ?? process.env.DITTOFS_PASSWORD ?? (await prompt("password: "));
      const result = await apiClient(url, null).auth.login.mutate({ username, password });
      const path = saveSession({
        url,
        token: result.token,
        username: result.user.username,
        expiresAt: result.expiresAt.toISOString(),
      });
      const note = result.mustChangePassword ? " (you must change your password before anything else)" : "";
      printDone(format, `logged in to ${url} as ${result.user.username}${note}; session saved in ${path}`, {
        url,
        username: result.user.username,
        expiresAt: result.expiresAt,
        mustChangePassword: result.mustChangePassword,
      });
    });

  program
    .command("logout")
    .description("end the session on the daemon and forget the saved token")
    .action(async (_opts: unknown, command: Command) => {
      const { client, format } = contextOf(command);
      if (loadSession() !== null) await client.auth.logout.mutate().catch(() => undefined);
      clearSession();
      printDone(format, "logged out");
    });

  program
    .command("whoami")
    .description("show the logged-in user")
    .action(async (_opts: unknown, command: Command) => {
      const { client, format } = contextOf(command);
      const me = await client.auth.me.query();
      print(format, me, [
        { header: "username", value: (u) => u.username },
        { header: "role", value: (u) => u.role },
        { header: "uid", value: (u) => u.uid },
        { header: "gid", value: (u) => u.gid },
        { header: "groups", value: (u) => u.groups },
      ]);
    });
}

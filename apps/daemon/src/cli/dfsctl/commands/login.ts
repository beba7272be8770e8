/** `dfsctl login` / `logout` / `whoami`. */
import { createInterface } from "node:readline/promises";
import type { Command } from "commander";
import { apiClient, resolveUrl } from "../client.ts";
import { contextOf } from "../context.ts";
import { print, printDone } from "../output.ts";
import { clearSession, loadSession, saveSession } from "../session.ts";

async function prompt(question: string): Promise<string> {
  // Prompts go to stderr so `-o json` output on stdout stays parseable.
  if (!process.stdin.isTTY)
    throw new Error(`${question.replace(/: $/, "")} is required (stdin is not a terminal)`);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
  }
}

/** Reads a line from the terminal without echoing it (passwords). */
function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) return Promise.reject(new Error("password is required (stdin is not a terminal)"));
  process.stderr.write(question);
  return new Promise((resolve, reject) => {
    let typed = "";
    const finish = (result: () => void) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off("data", onData);
      process.stderr.write("\n");
      result();
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString("utf8")) {
        if (ch === "\r" || ch === "\n") return finish(() => resolve(typed));
        if (ch === "\u0003") return finish(() => reject(new Error("interrupted")));
        if (ch === "\u007f" || ch === "\b") typed = typed.slice(0, -1);
        else typed += ch;
      }
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on("data", onData);
  });
}

export function registerLogin(program: Command): void {
  program
    .command("login")
    .description("log in to the daemon's API and keep the session token (0600) for later commands")
    .option("-u, --username <name>", "user name (asked when missing)")
    .option("-p, --password <password>", "password (asked when missing; or DITTOFS_PASSWORD)")
    .action(async (opts: { username?: string; password?: string }, command: Command) => {
      const ctx = contextOf(command);
      const { env } = ctx.io;
      const url = resolveUrl(ctx.url, env);
      const username = opts.username ?? (await prompt("username: "));
      const password = opts.password ?? env.DITTOFS_PASSWORD ?? (await promptHidden("password: "));
      const result = await apiClient(url, null).auth.login.mutate({ username, password });
      const path = saveSession(
        {
          url,
          token: result.token,
          username: result.user.username,
          expiresAt: result.expiresAt.toISOString(),
        },
        env,
      );
      const note = result.mustChangePassword ? " (you must change your password before anything else)" : "";
      printDone(ctx, `logged in to ${url} as ${result.user.username}${note}; session saved in ${path}`, {
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
      const ctx = contextOf(command);
      if (loadSession(ctx.io.env) !== null) await ctx.client.auth.logout.mutate().catch(() => undefined);
      clearSession(ctx.io.env);
      printDone(ctx, "logged out");
    });

  program
    .command("whoami")
    .description("show the logged-in user")
    .action(async (_opts: unknown, command: Command) => {
      const ctx = contextOf(command);
      const me = await ctx.client.auth.me.query();
      print(ctx, me, [
        { header: "username", value: (u) => u.username },
        { header: "role", value: (u) => u.role },
        { header: "uid", value: (u) => u.uid },
        { header: "gid", value: (u) => u.gid },
        { header: "groups", value: (u) => u.groups },
      ]);
    });
}

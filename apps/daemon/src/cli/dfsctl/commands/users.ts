/** `dfsctl user list|get|create|update|delete|reset-password`. */
import type { Command } from "commander";
import type { UserRecord } from "../../../control/store/types.ts";
import { ROLES } from "../../../domain/share.ts";
import { contextOf, parseInteger } from "../context.ts";
import { type Column, print, printDone } from "../output.ts";

const USER_COLUMNS: Column<UserRecord>[] = [
  { header: "username", value: (u) => u.username },
  { header: "uid", value: (u) => u.uid },
  { header: "gid", value: (u) => u.gid },
  { header: "role", value: (u) => u.role },
  { header: "enabled", value: (u) => u.enabled },
  { header: "groups", value: (u) => u.groups },
];

type Role = UserRecord["role"];

export function registerUsers(program: Command): void {
  const user = program.command("user").description("manage users (admin)");

  user
    .command("list")
    .description("list users")
    .option("--search <text>", "only names containing text")
    .action(async (opts: { search?: string }, command: Command) => {
      const ctx = contextOf(command);
      const { client } = ctx;
      print(
        ctx,
        await client.users.list.query(opts.search ? { search: opts.search } : undefined),
        USER_COLUMNS,
      );
    });

  user
    .command("get <username>")
    .description("show one user")
    .action(async (username: string, _opts: unknown, command: Command) => {
      const ctx = contextOf(command);
      const { client } = ctx;
      print(ctx, await client.users.get.query({ username }), USER_COLUMNS);
    });

  user
    .command("create <username>")
    .description("create a user")
    .requiredOption("-p, --password <password>", "initial password (at least 8 characters)")
    .option("--role <role>", ROLES.join(" | "), "user")
    .option("--uid <uid>", "Unix uid (default: next free)", parseInteger)
    .option("--gid <gid>", "Unix gid (default: the uid)", parseInteger)
    .option("--must-change-password", "ask for a new password at first login")
    .action(
      async (
        username: string,
        opts: { password: string; role: Role; uid?: number; gid?: number; mustChangePassword?: boolean },
        command: Command,
      ) => {
        const ctx = contextOf(command);
        const { client } = ctx;
        const created = await client.users.create.mutate({ username, ...opts });
        print(ctx, created, USER_COLUMNS);
      },
    );

  user
    .command("update <username>")
    .description("change a user's role, ids or enabled state")
    .option("--role <role>", ROLES.join(" | "))
    .option("--uid <uid>", "Unix uid", parseInteger)
    .option("--gid <gid>", "Unix gid", parseInteger)
    .option("--enable", "allow logins")
    .option("--disable", "refuse logins")
    .action(
      async (
        username: string,
        opts: { role?: Role; uid?: number; gid?: number; enable?: boolean; disable?: boolean },
        command: Command,
      ) => {
        const ctx = contextOf(command);
        const { client } = ctx;
        const enabled = opts.enable ? true : opts.disable ? false : undefined;
        const updated = await client.users.update.mutate({
          username,
          role: opts.role,
          uid: opts.uid,
          gid: opts.gid,
          enabled,
        });
        print(ctx, updated, USER_COLUMNS);
      },
    );

  user
    .command("delete <username>")
    .description("delete a user")
    .action(async (username: string, _opts: unknown, command: Command) => {
      const ctx = contextOf(command);
      const { client } = ctx;
      await client.users.delete.mutate({ username });
      printDone(ctx, `deleted user ${username}`);
    });

  user
    .command("reset-password <username>")
    .description("set a new password for a user")
    .requiredOption("-p, --password <password>", "the new password")
    .option("--no-must-change-password", "do not ask for a new password at next login")
    .action(
      async (username: string, opts: { password: string; mustChangePassword: boolean }, command: Command) => {
        const ctx = contextOf(command);
        const { client } = ctx;
        await client.users.resetPassword.mutate({
          username,
          password: opts.password,
          mustChangePassword: opts.mustChangePassword,
        });
        printDone(ctx, `password of ${username} reset`);
      },
    );
}

/** `dfsctl group list|get|create|update|delete|add-member|remove-member`. */
import type { Command } from "commander";
import type { GroupRecord } from "../../../control/store/types.ts";
import { contextOf, parseInteger } from "../context.ts";
import { type Column, print, printDone } from "../output.ts";

const GROUP_COLUMNS: Column<GroupRecord>[] = [
  { header: "name", value: (g) => g.name },
  { header: "gid", value: (g) => g.gid },
  { header: "members", value: (g) => g.members },
];

export function registerGroups(program: Command): void {
  const group = program.command("group").description("manage groups and membership (admin)");

  group
    .command("list")
    .description("list groups")
    .action(async (_opts: unknown, command: Command) => {
      const ctx = contextOf(command);
      const { client } = ctx;
      print(ctx, await client.groups.list.query(), GROUP_COLUMNS);
    });

  group
    .command("get <name>")
    .description("show one group")
    .action(async (name: string, _opts: unknown, command: Command) => {
      const ctx = contextOf(command);
      const { client } = ctx;
      print(ctx, await client.groups.get.query({ name }), GROUP_COLUMNS);
    });

  group
    .command("create <name>")
    .description("create a group")
    .option("--gid <gid>", "Unix gid (default: next free)", parseInteger)
    .action(async (name: string, opts: { gid?: number }, command: Command) => {
      const ctx = contextOf(command);
      const { client } = ctx;
      print(ctx, await client.groups.create.mutate({ name, gid: opts.gid }), GROUP_COLUMNS);
    });

  group
    .command("update <name>")
    .description("change a group's gid")
    .requiredOption("--gid <gid>", "Unix gid", parseInteger)
    .action(async (name: string, opts: { gid: number }, command: Command) => {
      const ctx = contextOf(command);
      const { client } = ctx;
      print(ctx, await client.groups.update.mutate({ name, gid: opts.gid }), GROUP_COLUMNS);
    });

  group
    .command("delete <name>")
    .description("delete a group")
    .action(async (name: string, _opts: unknown, command: Command) => {
      const ctx = contextOf(command);
      const { client } = ctx;
      await client.groups.delete.mutate({ name });
      printDone(ctx, `deleted group ${name}`);
    });

  group
    .command("add-member <group> <username>")
    .description("add a user to a group")
    .action(async (name: string, username: string, _opts: unknown, command: Command) => {
      const ctx = contextOf(command);
      const { client } = ctx;
      print(ctx, await client.groups.addMember.mutate({ name, username }), GROUP_COLUMNS);
    });

  group
    .command("remove-member <group> <username>")
    .description("remove a user from a group")
    .action(async (name: string, username: string, _opts: unknown, command: Command) => {
      const ctx = contextOf(command);
      const { client } = ctx;
      print(ctx, await client.groups.removeMember.mutate({ name, username }), GROUP_COLUMNS);
    });
}

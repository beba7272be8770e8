/** `dfsctl client list` (connected NFS/SMB clients) and `dfsctl audit list` (who changed what). */
import type { Command } from "commander";
import type { AuditRecord } from "../../../control/store/types.ts";
import type { ConnectedClient } from "../../../domain/clients.ts";
import { contextOf, parseInteger } from "../context.ts";
import { type Column, print } from "../output.ts";

const CLIENT_COLUMNS: Column<ConnectedClient & { daemon: string }>[] = [
  { header: "protocol", value: (c) => c.protocol },
  { header: "address", value: (c) => c.address },
  { header: "user", value: (c) => c.user },
  { header: "share", value: (c) => c.share },
  { header: "since", value: (c) => c.since },
  { header: "daemon", value: (c) => c.daemon },
  // READ/WRITE bytes through the file service since the client connected.
  { header: "read", value: (c) => c.traffic.readBytes },
  { header: "written", value: (c) => c.traffic.writtenBytes },
];

const AUDIT_COLUMNS: Column<AuditRecord>[] = [
  { header: "at", value: (a) => a.at },
  { header: "actor", value: (a) => a.actor },
  { header: "action", value: (a) => a.action },
  { header: "target", value: (a) => a.target },
  { header: "result", value: (a) => a.result },
  { header: "detail", value: (a) => a.detail },
];

export function registerActivity(program: Command): void {
  program
    .command("client")
    .description("connected clients")
    .command("list")
    .description("list connected NFS/SMB clients")
    .action(async (_opts: unknown, command: Command) => {
      const ctx = contextOf(command);
      print(ctx, await ctx.client.clients.list.query(), CLIENT_COLUMNS);
    });

  program
    .command("audit")
    .description("the audit log")
    .command("list")
    .description("list audit entries, newest first")
    .option("--actor <name>", "only this actor")
    .option("--action <action>", "only this action (like users.create)")
    .option("--limit <n>", "at most n entries", parseInteger)
    .action(async (opts: { actor?: string; action?: string; limit?: number }, command: Command) => {
      const ctx = contextOf(command);
      const page = await ctx.client.audit.list.query(opts);
      print(ctx, page.items, AUDIT_COLUMNS);
    });
}

/** `dfsctl info`: which daemon answers (several may serve the same shares), its version, Node.js and uptime. */
import type { Command } from "commander";
import { contextOf } from "../context.ts";
import { type Column, print } from "../output.ts";

interface Info {
  version: string;
  node: string;
  startedAt: Date;
  daemon: { id: string; name: string; hostname: string };
}

const INFO_COLUMNS: Column<Info>[] = [
  { header: "daemon", value: (i) => i.daemon.name },
  { header: "id", value: (i) => i.daemon.id },
  { header: "host", value: (i) => i.daemon.hostname },
  { header: "version", value: (i) => i.version },
  { header: "node", value: (i) => i.node },
  { header: "started", value: (i) => i.startedAt },
];

export function registerInfo(program: Command): void {
  program
    .command("info")
    .description("the daemon this API URL reaches: name, id, host, version, Node.js, start time")
    .action(async (_opts: unknown, command: Command) => {
      const ctx = contextOf(command);
      print(ctx, await ctx.client.system.info.query(), INFO_COLUMNS);
    });
}

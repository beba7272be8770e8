/**
 * `dfsctl share migrate <name> --to <block store>` (with a progress bar until the switch) and
 * `dfsctl share migration list|cancel|confirm` (docs/architecture.md "Moving a share's blocks").
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Command } from "commander";
import type { MigrationStatus } from "../../../control/runtime-control.ts";
import { type CommandContext, contextOf } from "../context.ts";
import { type Column, print } from "../output.ts";

const POLL_MS = 500;
const BAR_WIDTH = 30;

const MIGRATION_COLUMNS: Column<MigrationStatus>[] = [
  { header: "share", value: (m) => m.share },
  { header: "from", value: (m) => m.from },
  { header: "to", value: (m) => m.to },
  { header: "phase", value: (m) => m.phase },
  { header: "files", value: (m) => `${m.files.done}/${m.files.total}` },
  { header: "bytes", value: (m) => `${m.bytes.done}/${m.bytes.total}` },
  { header: "error", value: (m) => m.error },
];

function mib(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}

/** One line: `copying [#####-----]  52%  3/5 files  40.0/77.0 MiB  ETA 12s`. */
export function progressLine(m: MigrationStatus): string {
  const ratio = m.bytes.total > 0 ? Math.min(m.bytes.done / m.bytes.total, 1) : 1;
  const filled = Math.round(ratio * BAR_WIDTH);
  const bar = `[${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}]`;
  const eta = m.etaSeconds === null ? "" : `  ETA ${m.etaSeconds}s`;
  return (
    `${m.phase.padEnd(9)} ${bar} ${String(Math.round(ratio * 100)).padStart(3)}%  ` +
    `${m.files.done}/${m.files.total} files  ${mib(m.bytes.done)}/${mib(m.bytes.total)} MiB${eta}`
  );
}

async function follow(ctx: CommandContext, share: string): Promise<MigrationStatus> {
  const tty = ctx.io.env === process.env && process.stderr.isTTY === true;
  for (;;) {
    const m = (await ctx.client.shares.migrations.query()).find((s) => s.share === share);
    if (m === undefined) throw new Error(`no migration of share ${share}`);
    ctx.io.err(tty ? `\r${progressLine(m)}` : `${progressLine(m)}\n`);
    if (m.phase !== "copying" && m.phase !== "verifying") {
      if (tty) ctx.io.err("\n");
      return m;
    }
    await sleep(POLL_MS);
  }
}

export function registerMigration(share: Command): void {
  share
    .command("migrate <name>")
    .description("move a share's blocks to another block store while it stays in use (copy, verify, switch)")
    .requiredOption("--to <store>", "the block store to move to")
    .option("--no-wait", "return once started instead of showing progress until the switch")
    .action(async (name: string, opts: { to: string; wait: boolean }, command: Command) => {
      const ctx = contextOf(command);
      const started = await ctx.client.shares.migrate.mutate({ name, blockStore: opts.to });
      const last = opts.wait ? await follow(ctx, name) : started;
      print(ctx, last, MIGRATION_COLUMNS);
      if (last.phase === "failed" || last.phase === "cancelled")
        throw new Error(`migration of ${name} ${last.phase}${last.error === null ? "" : `: ${last.error}`}`);
    });

  const migration = share.command("migration").description("share migrations between block stores");
  migration
    .command("list")
    .description("running, switched (old copy kept) and ended migrations")
    .action(async (_opts: unknown, command: Command) => {
      const ctx = contextOf(command);
      print(ctx, await ctx.client.shares.migrations.query(), MIGRATION_COLUMNS);
    });
  migration
    .command("cancel <name>")
    .description("stop a running migration; the share stays on its store")
    .action(async (name: string, _opts: unknown, command: Command) => {
      const ctx = contextOf(command);
      print(ctx, await ctx.client.shares.migrationCancel.mutate({ name }), MIGRATION_COLUMNS);
    });
  migration
    .command("confirm <name>")
    .description("after a switch, remove the old copy of the share's blocks")
    .action(async (name: string, _opts: unknown, command: Command) => {
      const ctx = contextOf(command);
      print(ctx, await ctx.client.shares.migrationConfirm.mutate({ name }), MIGRATION_COLUMNS);
    });
}

/** `dfsctl adapter list|status|limits|start|stop|create|update|delete`. */
import { type AdapterLimitValue, adapterLimits } from "@dittofs/shared";
import type { Command } from "commander";
import type { AdapterStatus } from "../../../control/runtime-control.ts";
import type { AdapterRecord } from "../../../control/store/types.ts";
import { contextOf, parseInteger, parseJsonObject } from "../context.ts";
import { type Column, print, printDone } from "../output.ts";

type AdapterView = AdapterRecord & { status: AdapterStatus };

/** "failed" rather than "stopped" while the latest start attempt failed. */
const state = (s: AdapterStatus) => (s.running ? "running" : s.error ? "failed" : "stopped");
/** Why the latest start failed, with when; "-" when it did not. */
const failure = (s: AdapterStatus) => (s.error ? `${s.error.at.toISOString()} ${s.error.message}` : null);

const ADAPTER_COLUMNS: Column<AdapterView>[] = [
  { header: "type", value: (a) => a.type },
  { header: "enabled", value: (a) => a.enabled },
  { header: "status", value: (a) => state(a.status) },
  { header: "port", value: (a) => a.status.port },
  { header: "connections", value: (a) => a.status.connections },
  { header: "since", value: (a) => a.status.since },
  { header: "error", value: (a) => failure(a.status) },
];

const STATUS_COLUMNS: Column<AdapterStatus>[] = [
  { header: "type", value: (s) => s.type },
  { header: "status", value: (s) => state(s) },
  { header: "port", value: (s) => s.port },
  { header: "connections", value: (s) => s.connections },
  { header: "since", value: (s) => s.since },
  { header: "error", value: (s) => failure(s) },
];

const LIMIT_COLUMNS: Column<AdapterLimitValue>[] = [
  { header: "key", value: (l) => l.key },
  { header: "value", value: (l) => l.value },
  { header: "source", value: (l) => (l.isDefault ? "default" : "set") },
  { header: "meaning", value: (l) => l.description },
];

export function registerAdapters(program: Command): void {
  const adapter = program.command("adapter").description("protocol adapters (nfs, smb): list, start, stop");

  adapter
    .command("list")
    .description("list adapters with their live status")
    .action(async (_opts: unknown, command: Command) => {
      const ctx = contextOf(command);
      const { client } = ctx;
      print(ctx, await client.adapters.list.query(), ADAPTER_COLUMNS);
    });

  adapter
    .command("status <type>")
    .description("live status of one adapter")
    .action(async (type: string, _opts: unknown, command: Command) => {
      const ctx = contextOf(command);
      const { client } = ctx;
      print(ctx, await client.adapters.status.query({ type }), STATUS_COLUMNS);
    });

  adapter
    .command("limits <type>")
    .description("connection limits in effect (set with `adapter update --settings`)")
    .action(async (type: string, _opts: unknown, command: Command) => {
      const ctx = contextOf(command);
      const row = (await ctx.client.adapters.list.query()).find((a) => a.type === type);
      if (row === undefined) throw new Error(`no adapter ${type}`);
      print(ctx, adapterLimits(type, row.settings), LIMIT_COLUMNS);
    });

  adapter
    .command("start <type>")
    .description("start an adapter now and on every later start")
    .action(async (type: string, _opts: unknown, command: Command) => {
      const ctx = contextOf(command);
      const { client } = ctx;
      print(ctx, await client.adapters.start.mutate({ type }), STATUS_COLUMNS);
    });

  adapter
    .command("stop <type>")
    .description("stop an adapter (in-flight requests finish); it stays stopped across restarts")
    .action(async (type: string, _opts: unknown, command: Command) => {
      const ctx = contextOf(command);
      const { client } = ctx;
      print(ctx, await client.adapters.stop.mutate({ type }), STATUS_COLUMNS);
    });

  adapter
    .command("create <type>")
    .description("add an adapter row (started at once unless --disabled)")
    .requiredOption("--port <port>", "TCP port (0: any free port)", parseInteger)
    .option("--disabled", "store it stopped")
    .option("--settings <json>", "adapter settings as a JSON object", parseJsonObject)
    .action(
      async (
        type: string,
        opts: { port: number; disabled?: boolean; settings?: Record<string, unknown> },
        command: Command,
      ) => {
        const ctx = contextOf(command);
        const { client } = ctx;
        const created = await client.adapters.create.mutate({
          type,
          port: opts.port,
          enabled: opts.disabled ? false : undefined,
          settings: opts.settings,
        });
        print(ctx, created, ADAPTER_COLUMNS);
      },
    );

  adapter
    .command("update <type>")
    .description("change an adapter's port or settings (a running adapter restarts)")
    .option("--port <port>", "TCP port", parseInteger)
    .option("--settings <json>", "adapter settings as a JSON object", parseJsonObject)
    .action(
      async (type: string, opts: { port?: number; settings?: Record<string, unknown> }, command: Command) => {
        const ctx = contextOf(command);
        const { client } = ctx;
        print(ctx, await client.adapters.update.mutate({ type, ...opts }), ADAPTER_COLUMNS);
      },
    );

  adapter
    .command("delete <type>")
    .description("stop and remove an adapter")
    .action(async (type: string, _opts: unknown, command: Command) => {
      const ctx = contextOf(command);
      const { client } = ctx;
      await client.adapters.delete.mutate({ type });
      printDone(ctx, `deleted adapter ${type}`);
    });
}

/** `dfsctl store metadata|block list|get|create|update|delete|health` and `store block test`. */
import type { Command } from "commander";
import type { StoreHealth } from "../../../control/runtime-control.ts";
import type { StoreRecord } from "../../../control/store/types.ts";
import { type CommandContext, contextOf, parseJsonObject } from "../context.ts";
import { type Column, print, printDone } from "../output.ts";

const STORE_COLUMNS: Column<StoreRecord>[] = [
  { header: "name", value: (s) => s.name },
  { header: "type", value: (s) => s.type },
  { header: "config", value: (s) => s.config },
];

const HEALTH_COLUMNS: Column<StoreHealth>[] = [
  { header: "ok", value: (h) => h.ok },
  { header: "latency-ms", value: (h) => h.latencyMs.toFixed(2) },
  { header: "detail", value: (h) => h.detail },
];

type Kind = "metadata" | "block";

function routerOf(ctx: CommandContext, kind: Kind) {
  return kind === "metadata" ? ctx.client.stores.metadata : ctx.client.stores.block;
}

interface ConfigOptions {
  config?: Record<string, unknown>;
  path?: string;
  url?: string;
  bucket?: string;
  region?: string;
  endpoint?: string;
}

/** --config JSON plus the common keys as flags (--path, --url, --bucket …), flags winning. */
function configOf(opts: ConfigOptions): Record<string, unknown> {
  const flags = Object.fromEntries(
    (["path", "url", "bucket", "region", "endpoint"] as const)
      .filter((k) => opts[k] !== undefined)
      .map((k) => [k, opts[k]]),
  );
  return { ...(opts.config ?? {}), ...flags };
}

function withConfigOptions(command: Command): Command {
  return command
    .option("--config <json>", "the store's config as a JSON object", parseJsonObject)
    .option("--path <path>", "sqlite / fs: file or directory (relative to the data dir)")
    .option("--db-url <url>", "postgres: connection URL")
    .option("--bucket <bucket>", "s3: bucket")
    .option("--region <region>", "s3: region")
    .option("--endpoint <url>", "s3: endpoint URL");
}

function registerKind(store: Command, kind: Kind, types: string): Command {
  const sub = store.command(kind).description(`${kind} stores (${types})`);
  sub
    .command("list")
    .description(`list ${kind} stores`)
    .action(async (_opts: unknown, command: Command) => {
      const ctx = contextOf(command);
      print(ctx, await routerOf(ctx, kind).list.query(), STORE_COLUMNS);
    });
  sub
    .command("get <name>")
    .description(`show one ${kind} store`)
    .action(async (name: string, _opts: unknown, command: Command) => {
      const ctx = contextOf(command);
      print(ctx, await routerOf(ctx, kind).get.query({ name }), STORE_COLUMNS);
    });
  withConfigOptions(
    sub
      .command("create <name>")
      .description(`create a ${kind} store (opened at once; refused if it cannot be opened)`)
      .requiredOption("-t, --type <type>", types),
  ).action(async (name: string, opts: ConfigOptions & { type: string; dbUrl?: string }, command: Command) => {
    const ctx = contextOf(command);
    const config = configOf({ ...opts, url: opts.dbUrl });
    const input = { name, type: opts.type, config } as never;
    const created =
      kind === "metadata"
        ? await ctx.client.stores.metadata.create.mutate(input)
        : await ctx.client.stores.block.create.mutate(input);
    print(ctx, created, STORE_COLUMNS);
  });
  withConfigOptions(
    sub
      .command("update <name>")
      .description(`change a ${kind} store's config (shares using it switch at once)`)
      .option("-t, --type <type>", types),
  ).action(
    async (name: string, opts: ConfigOptions & { type?: string; dbUrl?: string }, command: Command) => {
      const ctx = contextOf(command);
      const config = configOf({ ...opts, url: opts.dbUrl });
      const input = {
        name,
        type: opts.type,
        config: Object.keys(config).length > 0 ? config : undefined,
      } as never;
      const updated =
        kind === "metadata"
          ? await ctx.client.stores.metadata.update.mutate(input)
          : await ctx.client.stores.block.update.mutate(input);
      print(ctx, updated, STORE_COLUMNS);
    },
  );
  sub
    .command("delete <name>")
    .description(`delete a ${kind} store (refused while a share uses it)`)
    .action(async (name: string, _opts: unknown, command: Command) => {
      const ctx = contextOf(command);
      await routerOf(ctx, kind).delete.mutate({ name });
      printDone(ctx, `deleted ${kind} store ${name}`);
    });
  sub
    .command("health <name>")
    .description(`probe a ${kind} store`)
    .action(async (name: string, _opts: unknown, command: Command) => {
      const ctx = contextOf(command);
      print(ctx, await routerOf(ctx, kind).health.query({ name }), HEALTH_COLUMNS);
    });
  return sub;
}

export function registerStores(program: Command): void {
  const store = program.command("store").description("manage metadata and block stores");
  registerKind(store, "metadata", "memory | sqlite | postgres");
  const block = registerKind(store, "block", "memory | fs | s3");
  withConfigOptions(
    block
      .command("test")
      .description("probe a block store config without saving it")
      .requiredOption("-t, --type <type>", "memory | fs | s3"),
  ).action(async (opts: ConfigOptions & { type: string }, command: Command) => {
    const ctx = contextOf(command);
    const input = { type: opts.type, config: configOf(opts) } as never;
    print(ctx, await ctx.client.stores.block.testConnection.mutate(input), HEALTH_COLUMNS);
  });
}

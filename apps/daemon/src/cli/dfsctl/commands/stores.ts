/** `dfsctl store metadata|block list|get|create|update|delete|health` and `store block test`. */
import type { Command } from "commander";
import type { RedactedStore } from "../../../control/api/routers/stores/secrets.ts";
import type { StoreHealth } from "../../../control/runtime-control.ts";
import { type CommandContext, contextOf, parseJsonObject } from "../context.ts";
import { type Column, print, printDone } from "../output.ts";

/** Secrets come from the API's `secrets` field (set/unset); their values are never returned. */
const STORE_COLUMNS: Column<RedactedStore>[] = [
  { header: "name", value: (s) => s.name },
  { header: "type", value: (s) => s.type },
  { header: "config", value: (s) => s.config },
  { header: "secrets", value: (s) => Object.entries(s.secrets).map(([key, state]) => `${key}=${state}`) },
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

/**
 * The config an update sends: the given keys over the stored (secret-free) config, a null in
 * --config removing a key; a new type starts from the given keys alone. Secrets the stored config
 * does not carry are kept by the API (control/api/routers/stores/secrets.ts), so changing the
 * bucket does not need the S3 key again and a URL shown without its password keeps it.
 */
function updatedConfig(
  stored: RedactedStore,
  type: string | undefined,
  given: Record<string, unknown>,
): Record<string, unknown> | undefined {
  if (Object.keys(given).length === 0) return undefined;
  const base = type === undefined || type === stored.type ? stored.config : {};
  return Object.fromEntries(Object.entries({ ...base, ...given }).filter(([, v]) => v !== null));
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
      .description(
        `change a ${kind} store's config: the keys given replace the stored ones, the rest and secrets are kept (shares using it switch at once)`,
      )
      .option("-t, --type <type>", types),
  ).action(
    async (name: string, opts: ConfigOptions & { type?: string; dbUrl?: string }, command: Command) => {
      const ctx = contextOf(command);
      const stored = await routerOf(ctx, kind).get.query({ name });
      const config = updatedConfig(stored, opts.type, configOf({ ...opts, url: opts.dbUrl }));
      const input = { name, type: opts.type, config } as never;
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

/** What every dfsctl command gets: its client and the output format, from the global options. */
import { type Command, InvalidArgumentError } from "commander";
import { type ApiClient, sessionClient } from "./client.ts";
import type { OutputFormat } from "./output.ts";

export interface CommandContext {
  client: ApiClient;
  format: OutputFormat;
  url: string | undefined;
}

export function contextOf(command: Command): CommandContext {
  const opts = command.optsWithGlobals<{ url?: string; output: OutputFormat }>();
  return { client: sessionClient(opts.url), format: opts.output, url: opts.url };
}

export function parseOutput(value: string): OutputFormat {
  if (value !== "table" && value !== "json") throw new InvalidArgumentError("use table or json");
  return value;
}

export function parseInteger(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError("not a non-negative integer");
  return Number(value);
}

export function parseJsonObject(value: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(value);
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
      return parsed as Record<string, unknown>;
    }
  } catch {
    // reported below
  }
  throw new InvalidArgumentError('not a JSON object (like \'{"path":"/srv/blocks"}\')');
}

/** What every dfsctl command gets: its client and the output format, from the global options. */
import { type Command, InvalidArgumentError } from "commander";
import { type ApiClient, sessionClient } from "./client.ts";
import type { OutputFormat } from "./output.ts";

/** Where a program writes; tests run commands in-process and collect the text. */
export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

export const processIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
};

export interface CommandContext {
  client: ApiClient;
  format: OutputFormat;
  url: string | undefined;
  io: Io;
}

/** The Io of each program, keyed by its root command (several programs may exist in tests). */
const programIo = new WeakMap<Command, Io>();

export function bindIo(program: Command, io: Io): void {
  programIo.set(program, io);
}

export function contextOf(command: Command): CommandContext {
  let root = command;
  while (root.parent !== null) root = root.parent;
  const io = programIo.get(root) ?? processIo;
  const opts = command.optsWithGlobals<{ url?: string; output: OutputFormat }>();
  return { client: sessionClient(opts.url, io.env), format: opts.output, url: opts.url, io };
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

/**
 * `dfsctl`: the admin command line over the daemon's tRPC API. `dfsctl login` keeps a session
 * token; every other command uses it. `-o json` prints machine-readable results.
 * Exit status: 0 done, 1 the API refused or could not be reached, 2 bad usage.
 */
import { Command, CommanderError, Option } from "commander";
import { VERSION_LINE } from "../../runtime/version.ts";
import { describeError } from "./client.ts";
import { registerActivity } from "./commands/activity.ts";
import { registerAdapters } from "./commands/adapters.ts";
import { registerGroups } from "./commands/groups.ts";
import { registerInfo } from "./commands/info.ts";
import { registerLogin } from "./commands/login.ts";
import { registerShares } from "./commands/shares.ts";
import { registerStores } from "./commands/stores.ts";
import { registerUsers } from "./commands/users.ts";
import { bindIo, type Io, parseOutput, processIo } from "./context.ts";

const USAGE_EXIT_CODE = 2;

export function buildProgram(io: Io = processIo): Command {
  const program = new Command("dfsctl")
    .description("DittoFS admin CLI (talks to the daemon's API; log in first with `dfsctl login`)")
    .version(VERSION_LINE)
    .option("--url <url>", "API URL (default: $DITTOFS_URL, the saved login's, or http://127.0.0.1:8080)")
    .addOption(new Option("-o, --output <format>", "table | json").default("table").argParser(parseOutput))
    .exitOverride()
    .showHelpAfterError()
    .configureOutput({ writeOut: io.out, writeErr: io.err });
  bindIo(program, io);
  registerLogin(program);
  registerUsers(program);
  registerGroups(program);
  registerShares(program);
  registerStores(program);
  registerAdapters(program);
  registerActivity(program);
  registerInfo(program);
  // Subcommands inherit exitOverride so usage errors reach main() instead of exiting directly.
  const inherit = (command: Command) => {
    for (const sub of command.commands) {
      sub.exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err });
      inherit(sub);
    }
  };
  inherit(program);
  return program;
}

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  try {
    await buildProgram(io).parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : USAGE_EXIT_CODE;
    io.err(`dfsctl: ${describeError(err)}\n`);
    return 1;
  }
}

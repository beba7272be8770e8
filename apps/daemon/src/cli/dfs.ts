/**
 * `dfs`: the daemon's command line. `init` writes a commented config, `start` runs the daemon until
 * SIGTERM/SIGINT, `config validate` checks a config. Bad configs and bad usage exit with 2.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { Command, CommanderError } from "commander";
import { CONFIG_ERROR_EXIT_CODE, ConfigError, DEFAULT_CONFIG_FILE, loadConfig } from "../config/load.ts";
import { configTemplate } from "../config/template.ts";
import { DAEMON_VERSION } from "../runtime/version.ts";
import { runDaemon } from "./run-daemon.ts";

function buildProgram(): Command {
  const program = new Command("dfs")
    .description("DittoFS daemon: NFSv3 and SMB2/3 file server with a tRPC control plane")
    .version(DAEMON_VERSION)
    .exitOverride()
    .showHelpAfterError();

  program
    .command("init")
    .description("write a commented dittofs.yaml with every key at its default")
    .option("-c, --config <path>", "file to write", DEFAULT_CONFIG_FILE)
    .option("--data-dir <dir>", "data directory to put in the file", "./data")
    .option("-f, --force", "overwrite an existing file")
    .action((opts: { config: string; dataDir: string; force?: boolean }) => {
      const path = resolve(opts.config);
      if (existsSync(path) && opts.force !== true) {
        throw new ConfigError(`${path} already exists (use --force to overwrite)`);
      }
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, configTemplate({ dataDir: opts.dataDir }), { mode: 0o644 });
      process.stdout.write(`wrote ${path}\nstart the daemon with: dfs start --config ${opts.config}\n`);
    });

  program
    .command("start")
    .description("start the daemon (HTTP API, adapters) until SIGTERM or SIGINT")
    .option(
      "-c, --config <path>",
      `config file (default: $DITTOFS_CONFIG or ./${DEFAULT_CONFIG_FILE} if present)`,
    )
    .option("--data-dir <dir>", "data directory (overrides the config and DITTOFS_DATA_DIR)")
    .action(async (opts: { config?: string; dataDir?: string }) => {
      const config = loadConfig({ configPath: opts.config, dataDir: opts.dataDir });
      await runDaemon(config);
    });

  const configCommand = program.command("config").description("inspect the configuration");
  configCommand
    .command("validate")
    .description("check a config file and the DITTOFS_* environment; print the effective config")
    .option(
      "-c, --config <path>",
      `config file (default: $DITTOFS_CONFIG or ./${DEFAULT_CONFIG_FILE} if present)`,
    )
    .option("--data-dir <dir>", "data directory override")
    .action((opts: { config?: string; dataDir?: string }) => {
      const config = loadConfig({ configPath: opts.config, dataDir: opts.dataDir });
      const redacted =
        config.database.kind === "postgres"
          ? {
              ...config,
              database: { kind: "postgres", url: config.database.url.replace(/:[^:@/]*@/, ":***@") },
            }
          : config;
      process.stdout.write(`config ok (${config.configPath ?? "embedded defaults"})\n`);
      process.stdout.write(`${JSON.stringify(redacted, null, 2)}\n`);
    });
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? 0 : CONFIG_ERROR_EXIT_CODE;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return CONFIG_ERROR_EXIT_CODE;
    }
    process.stderr.write(`dfs: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  }
}

process.exit(await main(process.argv));

/**
 * `dfs`: the daemon's command line (entry: dfs.ts). `init` writes a commented config, `start` runs the daemon until
 * SIGTERM/SIGINT, `config validate` checks a config. Bad configs and bad usage exit with 2.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { Command, CommanderError } from "commander";
import { CONFIG_ERROR_EXIT_CODE, ConfigError, DEFAULT_CONFIG_FILE, loadConfig } from "../config/load.ts";
import { configTemplate } from "../config/template.ts";
import { VERSION_LINE } from "../runtime/version.ts";

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

const processIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
};

function buildProgram(io: Io): Command {
  const program = new Command("dfs")
    .description("DittoFS daemon: NFSv3 and SMB2/3 file server with a tRPC control plane")
    .version(VERSION_LINE)
    .exitOverride()
    .showHelpAfterError()
    .configureOutput({ writeOut: io.out, writeErr: io.err });

  program
    .command("init")
    .description("write a commented dittofs.yaml with every key at its default")
    .option("-c, --config <path>", "file to write", DEFAULT_CONFIG_FILE)
    .option("--data-dir <dir>", "data directory to put in the file", "./data")
    .option("-f, --force", "overwrite an existing file")
    .action((opts: { config: string; dataDir: string; force?: boolean }) => {
      const path = resolve(io.cwd, opts.config);
      if (existsSync(path) && opts.force !== true) {
        throw new ConfigError(`${path} already exists (use --force to overwrite)`);
      }
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, configTemplate({ dataDir: opts.dataDir }), { mode: 0o644 });
      io.out(`wrote ${path}\nstart the daemon with: dfs start --config ${opts.config}\n`);
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
      const config = loadConfig({ configPath: opts.config, dataDir: opts.dataDir, env: io.env, cwd: io.cwd });
      // Loaded on demand: `dfs --help` and `dfs config validate` need none of the daemon.
      const { runDaemon } = await import("./run-daemon.ts");
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
      const config = loadConfig({ configPath: opts.config, dataDir: opts.dataDir, env: io.env, cwd: io.cwd });
      const redacted =
        config.database.kind === "postgres"
          ? {
              ...config,
              database: { kind: "postgres", url: config.database.url.replace(/:[^:@/]*@/, ":***@") },
            }
          : config;
      io.out(`config ok (${config.configPath ?? "embedded defaults"})\n`);
      io.out(`${JSON.stringify(redacted, null, 2)}\n`);
    });
  return program;
}

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  try {
    await buildProgram(io).parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? 0 : CONFIG_ERROR_EXIT_CODE;
    }
    if (err instanceof ConfigError) {
      io.err(`${err.message}\n`);
      return CONFIG_ERROR_EXIT_CODE;
    }
    // The stack helps only developers; DITTOFS_LOG_LEVEL=debug shows it.
    const detail = err instanceof Error && io.env.DITTOFS_LOG_LEVEL === "debug" ? err.stack : undefined;
    io.err(`dfs: ${detail ?? (err instanceof Error ? err.message : String(err))}\n`);
    return 1;
  }
}

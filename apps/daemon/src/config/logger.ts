/** The daemon's pino logger, JSON by default or pretty for people at a terminal. */
import { createRequire } from "node:module";
import { type Logger, pino } from "pino";
import type PinoPretty from "pino-pretty";
import type { DaemonConfig } from "./load.ts";

export function createLogger(logging: DaemonConfig["logging"]): Logger {
  const options = { level: logging.level, base: { service: "dittofs" } };
  if (logging.format === "pretty") {
    // A synchronous stream (not a transport worker) so nothing is lost when the process exits.
    // Required here, not imported at the top: JSON logging never loads it.
    const pretty = createRequire(import.meta.url)("pino-pretty") as typeof PinoPretty;
    return pino(options, pretty({ colorize: process.stderr.isTTY, destination: 2, sync: true }));
  }
  return pino(options, pino.destination({ dest: 2, sync: true }));
}

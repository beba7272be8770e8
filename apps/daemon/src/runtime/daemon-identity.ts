/**
 * The daemon's own identity (issue 9, scale-out): several daemons may serve one share from one
 * PostgreSQL and one S3, so /health, every metric, the API and the console say which one answers.
 * The id is random, written once to the data dir (each daemon has its own data dir for its WAL
 * and cache), so it survives restarts; the name is configured or derived from host and id.
 */
import { randomBytes } from "node:crypto";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { hostname as osHostname } from "node:os";
import { join } from "node:path";
import { DAEMON_NAME_LENGTH_MAX, type DaemonIdentity } from "@dittofs/shared";

/** The file in the data dir that keeps the id. */
export const DAEMON_ID_FILE = "daemon-id";
/** 8 random bytes as 16 hex digits: unique enough among the daemons of one deployment. */
const DAEMON_ID_BYTES = 8;
const DAEMON_ID_PATTERN = /^[0-9a-f]{16}$/;
/** How much of the id the default name carries. */
const NAME_ID_CHARS = 8;

function readId(file: string): string | null {
  try {
    const text = readFileSync(file, "utf8").trim();
    return DAEMON_ID_PATTERN.test(text) ? text : null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}

/** The persisted id, made (atomically: temp file + rename) when missing or unreadable as an id. */
export function daemonId(dataDir: string): string {
  const file = join(dataDir, DAEMON_ID_FILE);
  const existing = readId(file);
  if (existing !== null) return existing;
  const id = randomBytes(DAEMON_ID_BYTES).toString("hex");
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${id}\n`, { mode: 0o644 });
  renameSync(tmp, file);
  return id;
}

/** A hostname as a name part: characters a daemon name allows, cut so the id suffix fits. */
function nameSafe(host: string): string {
  const cleaned = host.replace(/[^A-Za-z0-9._-]/g, "-").replace(/^[^A-Za-z0-9]+/, "");
  return (cleaned === "" ? "dittofs" : cleaned).slice(0, DAEMON_NAME_LENGTH_MAX - NAME_ID_CHARS - 1);
}

export function loadDaemonIdentity(
  dataDir: string,
  configuredName?: string | null,
  hostname: string = osHostname(),
): DaemonIdentity {
  const id = daemonId(dataDir);
  const name = configuredName ?? `${nameSafe(hostname)}-${id.slice(0, NAME_ID_CHARS)}`;
  return { id, name, hostname };
}

/**
 * PostgreSQL errors → errno (docs/architecture.md "Errors"). Errors we do not expect become EIO;
 * each distinct code is written to stderr once, with its message, so an EIO a client sees can be
 * traced to its cause (stores have no logger of their own).
 */
import { FsError, isFsError } from "../../domain/errors.ts";

/** Distinct unknown PostgreSQL error codes logged (each once) before logging stops. */
const UNKNOWN_CODES_LOGGED_MAX = 64;
const unknownCodesLogged = new Set<string>();

export function pgCode(e: unknown): string | undefined {
  return typeof e === "object" && e !== null ? (e as { code?: string }).code : undefined;
}

export function toFsError(e: unknown): FsError {
  if (isFsError(e)) return e;
  const code = pgCode(e);
  if (code === "23505") return new FsError("EEXIST");
  if (code === "ECONNREFUSED" || code === "57P01" || code === "57P03") {
    return new FsError("EJUKEBOX", (e as Error).message);
  }
  const message = e instanceof Error ? e.message : String(e);
  const tag = code ?? `(no code) ${message.slice(0, 80)}`;
  if (!unknownCodesLogged.has(tag) && unknownCodesLogged.size < UNKNOWN_CODES_LOGGED_MAX) {
    unknownCodesLogged.add(tag);
    process.stderr.write(
      `${JSON.stringify({ level: 40, time: Date.now(), store: "postgres", code: code ?? null, msg: `unexpected PostgreSQL error mapped to EIO: ${message}` })}\n`,
    );
  }
  return new FsError("EIO", code === undefined ? message : `${message} (${code})`);
}

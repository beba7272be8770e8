/**
 * The one table from daemon errors to tRPC codes (docs/architecture.md "Errors"). ControlError codes map 1:1 in
 * spirit; FsError errnos reach here when the live side (opening a store, binding a port) fails.
 * zod input errors become BAD_REQUEST naming the first offending field path.
 */
import { TRPCError } from "@trpc/server";
import type { TRPC_ERROR_CODE_KEY } from "@trpc/server/rpc";
import { ZodError } from "zod";
import { type Errno, FsError } from "../../domain/errors.ts";
import { ControlError, type ControlErrorCode } from "../errors.ts";

export const CONTROL_ERROR_TO_TRPC: Readonly<Record<ControlErrorCode, TRPC_ERROR_CODE_KEY>> = {
  NOT_FOUND: "NOT_FOUND",
  CONFLICT: "CONFLICT",
  IN_USE: "PRECONDITION_FAILED",
  INVALID: "BAD_REQUEST",
};

export const ERRNO_TO_TRPC: Readonly<Partial<Record<Errno, TRPC_ERROR_CODE_KEY>>> = {
  ENOENT: "NOT_FOUND",
  EEXIST: "CONFLICT",
  EBUSY: "PRECONDITION_FAILED",
  ENOTEMPTY: "PRECONDITION_FAILED",
  EINVAL: "BAD_REQUEST",
  EACCES: "FORBIDDEN",
  EPERM: "FORBIDDEN",
  EROFS: "FORBIDDEN",
  ENOTSUP: "METHOD_NOT_SUPPORTED",
  ETIMEDOUT: "TIMEOUT",
  EAGAIN: "TOO_MANY_REQUESTS",
  EJUKEBOX: "SERVICE_UNAVAILABLE",
};

/** The field an error is about: a ControlError's field, or the first zod issue's path. */
export function errorField(error: unknown): string | null {
  if (error instanceof ControlError) return error.field ?? null;
  if (error instanceof ZodError) {
    const path = error.issues[0]?.path ?? [];
    return path.length === 0 ? null : path.map(String).join(".");
  }
  return null;
}

function zodMessage(error: ZodError): string {
  return error.issues
    .map((i) => (i.path.length === 0 ? i.message : `${i.path.map(String).join(".")}: ${i.message}`))
    .join("; ");
}

/** Rewrites a procedure's failure into the TRPCError the client should see. */
export function toTRPCError(error: TRPCError): TRPCError {
  const cause = error.cause;
  if (cause instanceof ControlError) {
    return new TRPCError({ code: CONTROL_ERROR_TO_TRPC[cause.code], message: cause.message, cause });
  }
  if (cause instanceof FsError) {
    return new TRPCError({
      code: ERRNO_TO_TRPC[cause.code] ?? "INTERNAL_SERVER_ERROR",
      message: cause.message,
      cause,
    });
  }
  if (error.code === "BAD_REQUEST" && cause instanceof ZodError) {
    return new TRPCError({ code: "BAD_REQUEST", message: zodMessage(cause), cause });
  }
  return error;
}

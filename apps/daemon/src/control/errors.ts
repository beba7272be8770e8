/**
 * The control plane's error vocabulary. ControlStore and the Runtime's control methods throw
 * `ControlError`; the tRPC layer maps `code` to a tRPC code in one table (api/errors.ts).
 * `field` names the offending input field (CONFLICT, INVALID) so forms can mark it.
 */
export type ControlErrorCode = "NOT_FOUND" | "CONFLICT" | "IN_USE" | "INVALID";

export class ControlError extends Error {
  readonly code: ControlErrorCode;
  readonly field: string | undefined;
  constructor(code: ControlErrorCode, message: string, field?: string) {
    super(message);
    this.name = "ControlError";
    this.code = code;
    this.field = field;
  }
}

export function isControlError(e: unknown, code?: ControlErrorCode): e is ControlError {
  return e instanceof ControlError && (code === undefined || e.code === code);
}

export const notFound = (what: string, name: string, field = "name"): ControlError =>
  new ControlError("NOT_FOUND", `${what} ${name} not found`, field);

export const conflict = (field: string, value: string): ControlError =>
  new ControlError("CONFLICT", `${field} ${value} already exists`, field);

export const inUse = (reason: string, field = "name"): ControlError =>
  new ControlError("IN_USE", reason, field);

export const invalid = (field: string, message: string): ControlError =>
  new ControlError("INVALID", `${field}: ${message}`, field);

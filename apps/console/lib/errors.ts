import { TRPCClientError } from "@trpc/client";

interface ErrorData {
  code?: string;
  httpStatus?: number;
  /** Set by the daemon's error formatter when zod rejected the input. */
  zodError?: { fieldErrors?: Record<string, string[] | undefined>; formErrors?: string[] } | null;
  /** Set by the daemon when a domain error names one input field (e.g. a duplicate name). */
  field?: string | null;
  fields?: Record<string, string> | null;
}

function dataOf(err: unknown): ErrorData | undefined {
  if (err instanceof TRPCClientError) return (err.data ?? undefined) as ErrorData | undefined;
  return undefined;
}

export function errorCode(err: unknown): string | undefined {
  return dataOf(err)?.code;
}

export function isUnauthorized(err: unknown): boolean {
  return errorCode(err) === "UNAUTHORIZED";
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/**
 * Field-level messages carried by a server error: zod issues by path, or one domain error naming
 * its field. Whatever names no field is returned under "" for the form-level banner.
 */
export function serverFieldErrors(err: unknown): Record<string, string> {
  const data = dataOf(err);
  const out: Record<string, string> = {};
  for (const [field, messages] of Object.entries(data?.zodError?.fieldErrors ?? {})) {
    if (messages?.[0] !== undefined) out[field] = messages[0];
  }
  for (const [field, message] of Object.entries(data?.fields ?? {})) out[field] = message;
  if (typeof data?.field === "string" && data.field !== "") {
    // The daemon prefixes the message with the field it names ("uid: already in use"); the form
    // shows it next to that field, so the prefix would only repeat the label.
    const message = errorMessage(err);
    const prefix = `${data.field}: `;
    out[data.field] =
      message.startsWith(prefix) && !message.includes("; ") ? message.slice(prefix.length) : message;
  }
  if (Object.keys(out).length === 0) out[""] = errorMessage(err);
  return out;
}

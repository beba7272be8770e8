import { TRPCClientError } from "@trpc/client";

/**
 * Whether an error means the daemon did not answer at all (connection refused, reset, DNS) rather
 * than answering with an error: the server-side client's fetch throws "fetch failed" with no tRPC
 * data, and the console's proxy answers 502 when it cannot reach the daemon.
 */
export function isDaemonUnreachable(err: unknown): boolean {
  if (!(err instanceof TRPCClientError)) return err instanceof TypeError;
  const data = err.data as { httpStatus?: number } | undefined | null;
  if (data === undefined || data === null) return true;
  return data.httpStatus === 502;
}

/** Delay before retry `attempt` (0-based): 1 s doubling to at most `maxMs`. */
export function backoffMs(attempt: number, maxMs = 15_000): number {
  return Math.min(1000 * 2 ** Math.min(attempt, 10), maxMs);
}

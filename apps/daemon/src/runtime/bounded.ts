/**
 * Time bounds on store calls the Runtime cannot abort. Opening a store may wait on a server that
 * accepted the connection and never answers (a wrong endpoint, a firewall that drops replies);
 * since control changes run one at a time, one such open would hold up every later change.
 */
import { FsError } from "../domain/errors.ts";

/** How long opening a metadata or block store may take before the change fails (default of config `timeouts.storeOpenMs`). */
export const STORE_OPEN_TIMEOUT_MS = 15_000;
/** How long a store's health probe may take before it counts as failed (default of `timeouts.storeHealthMs`). */
export const STORE_HEALTH_TIMEOUT_MS = 5_000;

/**
 * Resolves or rejects like `work`, or rejects with ETIMEDOUT naming `what` after `timeoutMs`.
 * A result that arrives after the deadline goes to `late` (so an opened store can be closed).
 */
export function bounded<T>(
  work: Promise<T>,
  timeoutMs: number,
  what: string,
  late: (value: T) => void = () => undefined,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let expired = false;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      expired = true;
      reject(
        new FsError("ETIMEDOUT", `${what}: no answer within ${timeoutMs} ms (is its server reachable?)`),
      );
    }, timeoutMs);
  });
  work.then(
    (value) => {
      if (expired) late(value);
    },
    () => undefined,
  );
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

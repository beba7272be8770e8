import type { ControlStore } from "../../../store/control-store.ts";

/** Session lifetime unless the `session.ttlHours` setting says otherwise. */
export const SESSION_TTL_DEFAULT_MS = 12 * 60 * 60 * 1000;
/** A setting above this is clamped: a stolen token should not live for years. */
export const SESSION_TTL_MAX_MS = 30 * 24 * 60 * 60 * 1000;

export async function sessionTtlMs(store: ControlStore): Promise<number> {
  const hours = (await store.getSettings())["session.ttlHours"];
  if (typeof hours !== "number" || !(hours > 0)) return SESSION_TTL_DEFAULT_MS;
  return Math.min(hours * 60 * 60 * 1000, SESSION_TTL_MAX_MS);
}

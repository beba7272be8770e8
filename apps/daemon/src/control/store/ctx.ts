/** What every repository function receives: the query runner (a transaction or the pool) and tables. */
import type { Q, Tables } from "./db.ts";

export interface Ctx {
  q: Q;
  t: Tables;
}

/** First automatically assigned uid (below are system accounts on most Unixes). */
export const AUTO_UID_MIN = 1000;
/** First automatically assigned group gid; above the user range so private gids stay distinct. */
export const AUTO_GID_MIN = 10_000;
/** Squashed NFS callers become nobody:nogroup by default. */
export const NOBODY_ID = 65_534;

/** `%text%` for LIKE, with LIKE's own wildcards escaped (used with ESCAPE '\'). */
export function likeContains(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
}

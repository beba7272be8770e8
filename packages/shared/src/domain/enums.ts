/**
 * The one source of every enum the daemon and the console share. The TypeScript types, the zod
 * schemas (`control/primitives.ts`) and the drizzle column enums (`schema-sqlite.ts`,
 * `schema-pg.ts`) all derive from these tuples; add a value here and every form follows.
 * No imports: the daemon's domain module re-exports this file (docs/architecture.md "Layers").
 */

/** How NFS AUTH_UNIX callers are mapped to the anonymous identity (exports(5) root_squash). */
export const SQUASH_MODES = ["none", "root_squash", "all_squash"] as const;
export type SquashMode = (typeof SQUASH_MODES)[number];

/** A user's or group's level on one share, lowest first (the rank is the index). */
export const PERMISSION_LEVELS = ["none", "read", "read-write", "admin"] as const;
export type Permission = (typeof PERMISSION_LEVELS)[number];

/** Control-plane roles: admin (everything), operator (read all, start/stop adapters), user. */
export const ROLES = ["admin", "operator", "user"] as const;
export type Role = (typeof ROLES)[number];

/** What a caller may do on a share over NFS once grants and client lists are combined. */
export const ACCESS_LEVELS = ["none", "read", "read-write"] as const;
export type AccessLevel = (typeof ACCESS_LEVELS)[number];
/** NFS callers whose uid names no control-plane user, and AUTH_NONE callers (per share). */
export type AnonymousAccess = AccessLevel;

/** What one entry of a share's NFS client list allows the hosts it matches. */
export const HOST_ACCESS_LEVELS = ["read", "read-write"] as const;

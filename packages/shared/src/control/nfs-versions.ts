/**
 * NFS versions an NFS adapter serves, from its settings `versionMin` / `versionMax` (defaults
 * "3" and "4.2"): the daemon validates them (protocols/nfs/v4/settings.ts), the console shows
 * the matching mount commands.
 */

export const NFS_VERSIONS = ["3", "4.0", "4.1", "4.2"] as const;
export type NfsVersion = (typeof NFS_VERSIONS)[number];

export const NFS_VERSION_MIN_DEFAULT: NfsVersion = "3";
export const NFS_VERSION_MAX_DEFAULT: NfsVersion = "4.2";

function indexOf(v: unknown, dflt: NfsVersion): number {
  const i = NFS_VERSIONS.indexOf(v as NfsVersion);
  return i < 0 ? NFS_VERSIONS.indexOf(dflt) : i;
}

/** The versions served with `settings` (an invalid value counts as its default, for display). */
export function nfsVersionsServed(settings: Record<string, unknown>): NfsVersion[] {
  const min = indexOf(settings.versionMin, NFS_VERSION_MIN_DEFAULT);
  const max = indexOf(settings.versionMax, NFS_VERSION_MAX_DEFAULT);
  return NFS_VERSIONS.slice(min, max + 1);
}

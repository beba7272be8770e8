/**
 * NFS adapter settings for versions and NFSv4 (flat keys of the adapter row, validated with an
 * error naming the key): `versionMin` / `versionMax` among "3", "4.0", "4.1", "4.2" (defaults
 * "3" and "4.2": a client mounting without `vers=` gets 4.2, `vers=3` still works),
 * `v4LeaseSeconds` (ADAPTER_LIMITS, default 90) and `v4IdDomain` (owner strings as
 * `name@domain` for known users; default null: numeric ids, what Linux sends with AUTH_SYS).
 */
import {
  adapterLimit,
  NFS_VERSION_MAX_DEFAULT,
  NFS_VERSION_MIN_DEFAULT,
  NFS_VERSIONS,
  type NfsVersion,
} from "@dittofs/shared";
import type { AdapterSettings } from "../../adapter.ts";

export interface NfsVersionSettings {
  /** NFSv3 (with MOUNT and NLM) is served. */
  v3: boolean;
  /** NFSv4 minor versions served, or null for none. */
  v4: { minorMin: number; minorMax: number } | null;
  leaseSeconds: number;
  idDomain: string | null;
}

const DOMAIN = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$/;

function version(s: AdapterSettings, key: "versionMin" | "versionMax", dflt: NfsVersion): number {
  const v = s[key] ?? dflt;
  const i = NFS_VERSIONS.indexOf(v as NfsVersion);
  if (i < 0)
    throw new Error(`settings.${key}: must be one of ${NFS_VERSIONS.join(", ")} (got ${JSON.stringify(v)})`);
  return i;
}

export function parseVersionSettings(s: AdapterSettings): NfsVersionSettings {
  const min = version(s, "versionMin", NFS_VERSION_MIN_DEFAULT);
  const max = version(s, "versionMax", NFS_VERSION_MAX_DEFAULT);
  if (min > max) throw new Error("settings.versionMin: must not be above settings.versionMax");
  const domain = s.v4IdDomain ?? null;
  if (domain !== null && (typeof domain !== "string" || !DOMAIN.test(domain))) {
    throw new Error(`settings.v4IdDomain: must be a DNS domain or null (got ${JSON.stringify(domain)})`);
  }
  return {
    v3: min === 0,
    v4: max === 0 ? null : { minorMin: Math.max(min, 1) - 1, minorMax: max - 1 },
    leaseSeconds: adapterLimit("nfs", "v4LeaseSeconds", s),
    idDomain: domain,
  };
}

/**
 * Connection limits of the NFS and SMB adapters: flat keys of an adapter's settings, with their
 * range and per-protocol default. The daemon validates settings against this table (an error
 * names the key); the console and dfsctl show the effective values from it.
 */

export interface AdapterLimitDef {
  key: string;
  /** One line for the console and dfsctl. */
  description: string;
  min: number;
  max: number;
  /** Default per adapter type; an adapter type missing here does not have the limit. */
  defaults: { nfs?: number; smb?: number };
}

const DAY_MS = 24 * 60 * 60 * 1000;
const MIB = 1024 * 1024;

export const ADAPTER_LIMITS: readonly AdapterLimitDef[] = [
  {
    key: "maxConnections",
    description: "connections served at once",
    min: 1,
    max: 1_000_000,
    defaults: { nfs: 1024, smb: 1024 },
  },
  {
    key: "maxConnectionsPerClient",
    description: "connections from one client address",
    min: 1,
    max: 1_000_000,
    defaults: { nfs: 256, smb: 256 },
  },
  {
    key: "handshakeTimeoutMs",
    description: "a new connection must complete its first request (RPC call / NEGOTIATE) within this",
    min: 100,
    max: 600_000,
    defaults: { nfs: 5_000, smb: 5_000 },
  },
  {
    key: "idleTimeoutMs",
    description: "a connection holding nothing (SMB: no open files) and silent this long is closed",
    min: 1000,
    max: 30 * DAY_MS,
    defaults: { nfs: 6 * 60_000, smb: 15 * 60_000 },
  },
  {
    key: "frameTimeoutMs",
    description: "a frame started and then stalled this long closes the connection",
    min: 100,
    max: 600_000,
    defaults: { nfs: 30_000, smb: 30_000 },
  },
  {
    key: "maxOutstandingReadBytes",
    description: "READ bytes requested and not yet answered on one connection",
    min: 8 * MIB,
    max: 8 * 1024 * MIB,
    defaults: { smb: 32 * MIB },
  },
  {
    // Samba's smbd gives a client OPLOCK_BREAK_TIMEOUT (30 s) and Windows 35 s (§3.3.2.1); an NFS
    // call held that long outlives an NFS client's retry, so another protocol waits only this long.
    key: "crossProtocolBreakWaitMs",
    description:
      "an NFS call waits this long for an SMB client to acknowledge an oplock/lease break, then the break counts as acknowledged",
    min: 0,
    max: 35_000,
    defaults: { smb: 5_000 },
  },
  {
    // Windows and Samba ("smbd:writetimeupdatedelay") update LastWriteTime 2 s after the first
    // write through an open (apps/daemon/src/protocols/smb/write-time.ts).
    key: "writeTimeUpdateDelayMs",
    description: "after the first write through an SMB open, its LastWriteTime update waits this long",
    min: 0,
    max: 3_600_000,
    defaults: { smb: 2_000 },
  },
  {
    // RFC 8881 §8.1.3 lease_time; 90 s as Linux nfsd and NFS-Ganesha default.
    key: "v4LeaseSeconds",
    description: "NFSv4 lease: a client silent this long loses its opens and locks",
    min: 10,
    max: 3600,
    defaults: { nfs: 90 },
  },
];

export interface AdapterLimitValue {
  key: string;
  value: number;
  /** The setting is absent (or not a valid value): the default applies. */
  isDefault: boolean;
  description: string;
}

function valid(def: AdapterLimitDef, v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= def.min && v <= def.max;
}

/** The effective limits of an adapter of `type` with `settings` (for display). */
export function adapterLimits(type: string, settings: Record<string, unknown>): AdapterLimitValue[] {
  const out: AdapterLimitValue[] = [];
  for (const def of ADAPTER_LIMITS) {
    const dflt = def.defaults[type as keyof AdapterLimitDef["defaults"]];
    if (dflt === undefined) continue;
    const v = settings[def.key];
    const isDefault = !valid(def, v);
    out.push({ key: def.key, value: isDefault ? dflt : v, isDefault, description: def.description });
  }
  return out;
}

/**
 * The validated value of limit `key` for `type` from `settings`: the default when absent (or
 * null); throws `settings.<key>: …` when present and out of range.
 */
export function adapterLimit(type: "nfs" | "smb", key: string, settings: Record<string, unknown>): number {
  const def = ADAPTER_LIMITS.find((d) => d.key === key);
  const dflt = def?.defaults[type];
  if (def === undefined || dflt === undefined) throw new Error(`no limit ${key} for ${type}`);
  const v = settings[key];
  if (v === undefined || v === null) return dflt;
  if (!valid(def, v)) {
    throw new Error(
      `settings.${key}: must be an integer from ${def.min} to ${def.max} (got ${JSON.stringify(v)})`,
    );
  }
  return v;
}

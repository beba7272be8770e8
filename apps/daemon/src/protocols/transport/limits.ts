/**
 * Connection limits every TCP adapter reads from its settings (flat keys of the adapter row),
 * each validated with an error that names the key. Defaults are per protocol: NFS clients
 * reconnect after an idle close (Linux closes its own idle transport after 5 minutes), SMB
 * connections with open files are never idled out (Samba's `deadtime` does the same).
 */
import type { AdapterSettings } from "../adapter.ts";

export interface TransportLimits {
  /** Connections served at once by this adapter. */
  maxConnections: number;
  /** Connections from one client address (NAT gateways share one; keep it generous). */
  maxConnectionsPerClient: number;
  /** A new connection must complete its first request (RPC call / SMB NEGOTIATE) within this. */
  handshakeTimeoutMs: number;
  /** A connection that holds nothing and sends nothing for this long is closed. */
  idleTimeoutMs: number;
  /** A frame started and then stalled (no bytes while we read) for this long closes the connection. */
  frameTimeoutMs: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** An integer setting in [min, max], else `dflt` when absent; throws naming the key otherwise. */
export function intSetting(s: AdapterSettings, key: string, dflt: number, min: number, max: number): number {
  const v = s[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw new Error(`settings.${key}: must be an integer from ${min} to ${max} (got ${JSON.stringify(v)})`);
  }
  return v;
}

export function parseTransportLimits(s: AdapterSettings, defaults: TransportLimits): TransportLimits {
  return {
    maxConnections: intSetting(s, "maxConnections", defaults.maxConnections, 1, 1_000_000),
    maxConnectionsPerClient: intSetting(
      s,
      "maxConnectionsPerClient",
      defaults.maxConnectionsPerClient,
      1,
      1_000_000,
    ),
    handshakeTimeoutMs: intSetting(s, "handshakeTimeoutMs", defaults.handshakeTimeoutMs, 100, 600_000),
    idleTimeoutMs: intSetting(s, "idleTimeoutMs", defaults.idleTimeoutMs, 1000, 30 * DAY_MS),
    frameTimeoutMs: intSetting(s, "frameTimeoutMs", defaults.frameTimeoutMs, 100, 600_000),
  };
}

export const NFS_TRANSPORT_DEFAULTS: TransportLimits = {
  maxConnections: 1024,
  maxConnectionsPerClient: 256,
  handshakeTimeoutMs: 5_000,
  idleTimeoutMs: 6 * 60_000,
  frameTimeoutMs: 30_000,
};

export const SMB_TRANSPORT_DEFAULTS: TransportLimits = {
  maxConnections: 1024,
  maxConnectionsPerClient: 256,
  handshakeTimeoutMs: 5_000,
  idleTimeoutMs: 15 * 60_000,
  frameTimeoutMs: 30_000,
};

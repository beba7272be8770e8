/**
 * Connection limits every TCP adapter reads from its settings (flat keys of the adapter row; the
 * table with ranges and defaults is @dittofs/shared ADAPTER_LIMITS, also shown by the console and
 * dfsctl). NFS clients reconnect after an idle close (Linux closes its own idle transport after
 * 5 minutes); SMB connections with open files are never idled out (as Samba's `deadtime`).
 */
import { adapterLimit } from "@dittofs/shared";
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

/** Validated limits of an NFS or SMB adapter; throws `settings.<key>: …` on a bad value. */
export function parseTransportLimits(type: "nfs" | "smb", s: AdapterSettings): TransportLimits {
  return {
    maxConnections: adapterLimit(type, "maxConnections", s),
    maxConnectionsPerClient: adapterLimit(type, "maxConnectionsPerClient", s),
    handshakeTimeoutMs: adapterLimit(type, "handshakeTimeoutMs", s),
    idleTimeoutMs: adapterLimit(type, "idleTimeoutMs", s),
    frameTimeoutMs: adapterLimit(type, "frameTimeoutMs", s),
  };
}

/** The defaults (no settings): what tests and helpers without an adapter row run with. */
export const NFS_TRANSPORT_DEFAULTS: TransportLimits = parseTransportLimits("nfs", { host: "", port: 0 });

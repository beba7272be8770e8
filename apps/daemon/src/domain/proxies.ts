/**
 * Entries of config `http.trustedProxies` (an address or CIDR each), validated by the config
 * schema and matched by http/client-address.ts.
 */
import { isIP } from "node:net";

/** Longest trusted proxy list; a deployment has a handful of proxy hops. */
export const TRUSTED_PROXIES_MAX = 64;

/** Parses one `address` or `address/prefix` entry; null when malformed. */
export function parseProxyEntry(entry: string): { address: string; prefix: number | null } | null {
  const [address = "", prefix, extra] = entry.trim().split("/");
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return null;
  if (prefix === undefined) return { address, prefix: null };
  const bits = Number(prefix);
  const max = family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefix) || bits > max) return null;
  return { address, prefix: bits };
}

/**
 * The client's address for throttling and the audit log. `X-Forwarded-For` is believed only when
 * the peer is a configured trusted proxy (config `http.trustedProxies`: addresses or CIDRs), and then
 * read from the right: each trusted hop appended the address it saw, so the right-most entry that is
 * not itself a trusted proxy is the client. Entries left of it were written by the client and can
 * say anything (the old left-most rule let any loopback caller pick its own throttle key).
 */
import type { IncomingMessage } from "node:http";
import { BlockList, isIP } from "node:net";
import { parseProxyEntry } from "../domain/proxies.ts";

/** X-Forwarded-For entries read at most (from the right). */
const FORWARDED_HOPS_MAX = 16;

export type TrustedProxies = (address: string) => boolean;

/** A matcher for the configured proxies (entries already validated by the config schema). */
export function trustedProxies(entries: readonly string[]): TrustedProxies {
  if (entries.length === 0) return () => false;
  const list = new BlockList();
  for (const entry of entries) {
    const parsed = parseProxyEntry(entry);
    if (parsed === null) throw new Error(`http.trustedProxies: "${entry}" is not an address or CIDR`);
    const type = isIP(parsed.address) === 4 ? "ipv4" : "ipv6";
    if (parsed.prefix === null) list.addAddress(parsed.address, type);
    else list.addSubnet(parsed.address, parsed.prefix, type);
  }
  return (address) => {
    const family = isIP(address);
    return family !== 0 && list.check(address, family === 4 ? "ipv4" : "ipv6");
  };
}

/** `::ffff:1.2.3.4` (an IPv4 peer on a dual-stack socket) → `1.2.3.4`. */
function plain(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m?.[1] ?? address;
}

export function clientAddress(req: IncomingMessage, trusted: TrustedProxies): string {
  const peer = plain(req.socket.remoteAddress ?? "");
  const header = req.headers["x-forwarded-for"];
  if (!trusted(peer) || typeof header !== "string") return peer;
  const hops = header
    .split(",")
    .slice(-FORWARDED_HOPS_MAX)
    .map((h) => plain(h.trim()));
  let client = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!;
    if (isIP(hop) === 0) break;
    client = hop;
    if (!trusted(hop)) break;
  }
  return client;
}

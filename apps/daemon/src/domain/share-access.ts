/**
 * The NFS access policy of a share: share + peer address + AUTH_SYS credential → what the caller
 * may do on it. Pure (no I/O, no protocol types), so every protocol call site and the file service
 * ask the same question the same way. The model (README "NFS access control"):
 *
 * 1. The share must be exported over NFS.
 * 2. Client list (exports(5) / Ganesha `Clients`): the first entry whose host (`*`, an address or a
 *    CIDR network) matches the peer decides `read` or `read-write`; no match → no access.
 * 3. The caller: an AUTH_SYS uid that names an enabled control-plane user gets that user's grant
 *    on the share (own grant, else the best grant of their groups; `admin` acts as `read-write`);
 *    a disabled user gets nothing; a uid that names no user, and AUTH_NONE, get the share's
 *    `anonymousAccess`.
 * 4. The effective level is the lesser of (2) and (3). Mode bits and squash still apply below it.
 */
import { BlockList, isIPv4, isIPv6 } from "node:net";
import type { AccessLevel, NfsClientRule } from "@dittofs/shared";
import type { IdentityDirectory, Principal } from "./identity.ts";
import type { Permission, ShareInfo } from "./share.ts";

export type { AccessLevel };

export interface ShareAccess {
  level: AccessLevel;
  /**
   * The errno a refused mutation gets: EROFS when the client list makes the share read-only for
   * this host (as a `ro` export does), EACCES when the caller's grant or the anonymous policy does.
   */
  writeRefusal: "EROFS" | "EACCES";
}

const RANK: Readonly<Record<AccessLevel, number>> = { none: 0, read: 1, "read-write": 2 };
const ALL_HOSTS: readonly NfsClientRule[] = [{ host: "*", access: "read-write" }];

/** The answers, one object each (asked on every NFS call; frozen, so shared safely). */
const ACCESS: Readonly<Record<ShareAccess["writeRefusal"], Readonly<Record<AccessLevel, ShareAccess>>>> = {
  EROFS: accessAnswers("EROFS"),
  EACCES: accessAnswers("EACCES"),
};
const NO_ACCESS = ACCESS.EACCES.none;

function accessAnswers(
  writeRefusal: ShareAccess["writeRefusal"],
): Readonly<Record<AccessLevel, ShareAccess>> {
  const one = (level: AccessLevel): ShareAccess => Object.freeze({ level, writeRefusal });
  return { none: one("none"), read: one("read"), "read-write": one("read-write") };
}

/** A client list ready to match: `list` null for `*`. */
type Compiled = Array<{ rule: NfsClientRule; list: BlockList | null }>;

/** Compiled client lists, per rules array (ShareInfo values are replaced, never mutated). */
const compiled = new WeakMap<readonly NfsClientRule[], Compiled>();

function compile(rules: readonly NfsClientRule[]): Compiled {
  let c = compiled.get(rules);
  if (c !== undefined) return c;
  c = rules.map((rule) => {
    if (rule.host === "*") return { rule, list: null };
    const list = new BlockList();
    const [addr, prefix] = rule.host.split("/") as [string, string | undefined];
    const type = isIPv6(addr) ? "ipv6" : "ipv4";
    if (prefix === undefined) list.addAddress(addr, type);
    else list.addSubnet(addr, Number(prefix), type);
    return { rule, list };
  });
  compiled.set(rules, c);
  return c;
}

/** "::ffff:10.0.0.1" (an IPv4 peer on a dual-stack socket) → "10.0.0.1". */
function normalize(address: string): { address: string; type: "ipv4" | "ipv6" } | null {
  const v4 = address.startsWith("::ffff:") ? address.slice(7) : address;
  if (isIPv4(v4)) return { address: v4, type: "ipv4" };
  if (isIPv6(address)) return { address, type: "ipv6" };
  return null;
}

/** The first client-list entry matching `address`, or undefined (the host may not use the share). */
export function matchClient(rules: readonly NfsClientRule[], address: string): NfsClientRule | undefined {
  // Parsed only when a rule needs it: the default list (`*`) is asked on every NFS call.
  let peer: ReturnType<typeof normalize> | undefined;
  for (const { rule, list } of compile(rules)) {
    if (list === null) return rule;
    if (peer === undefined) peer = normalize(address);
    if (peer !== null && list.check(peer.address, peer.type)) return rule;
  }
  return undefined;
}

/** Whether any NFS share admits `address` at all (connection-level gate, portmapper included). */
export function anyShareAdmits(shares: readonly ShareInfo[], address: string): boolean {
  return shares.some((s) => s.protocols.nfs && matchClient(s.nfsClients ?? ALL_HOSTS, address) !== undefined);
}

function grantLevel(p: Permission): AccessLevel {
  return p === "admin" ? "read-write" : p;
}

/** The caller's own level on the share: their grant, or the anonymous policy for unknown uids. */
export function callerLevel(
  share: ShareInfo,
  uid: number | null,
  identity: Pick<IdentityDirectory, "byUid" | "permission">,
): AccessLevel {
  const principal = uid === null ? undefined : identity.byUid(uid);
  if (principal === undefined) return share.anonymousAccess ?? "read-write";
  if (!principal.enabled) return "none";
  return grantLevel(identity.permission(principal, share.name));
}

/**
 * What a caller at `address` with AUTH_SYS `uid` (null: AUTH_NONE) may do on `share` over NFS.
 */
export function shareAccess(
  share: ShareInfo,
  address: string,
  uid: number | null,
  identity: Pick<IdentityDirectory, "byUid" | "permission">,
): ShareAccess {
  if (!share.protocols.nfs) return NO_ACCESS;
  const host = matchClient(share.nfsClients ?? ALL_HOSTS, address);
  if (host === undefined) return NO_ACCESS;
  const caller = callerLevel(share, uid, identity);
  const level = RANK[caller] < RANK[host.access] ? caller : host.access;
  return ACCESS[host.access === "read" ? "EROFS" : "EACCES"][level];
}

/**
 * What a logged-on user may do on `share` (SMB TREE_CONNECT, [MS-SMB2] §3.3.5.7): their grant
 * (`admin` acts as `read-write`); a guest (null) gets read-write on a guest share, nothing elsewhere.
 * A read-only share refuses changes on top of this (EROFS), as it does for NFS.
 */
export function sessionAccess(
  share: ShareInfo,
  principal: Principal | null,
  identity: Pick<IdentityDirectory, "permission">,
): ShareAccess {
  if (principal === null) return { level: share.guest ? "read-write" : "none", writeRefusal: "EACCES" };
  return { level: grantLevel(identity.permission(principal, share.name)), writeRefusal: "EACCES" };
}

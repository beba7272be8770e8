/**
 * owner / owner_group strings (RFC 8881 §5.9): numeric ids by default, which is what the Linux
 * client sends and expects with AUTH_SYS and no idmapper; with a configured domain, users the
 * control plane knows go out as `name@domain`. Both forms are accepted on input.
 */
import type { IdentityDirectory } from "../../../../domain/identity.ts";
import { NFS4ERR_BADOWNER } from "../constants.ts";
import { Nfs4Error } from "../status.ts";

export interface OwnerMap {
  /** Adapter setting `v4IdDomain`; null: numeric ids only. */
  domain: string | null;
  identity: Pick<IdentityDirectory, "byUid" | "byName">;
}

const NUMERIC = /^(0|[1-9][0-9]{0,9})$/;
const ID_MAX = 0xffff_ffff;

export function ownerString(m: OwnerMap, uid: number): string {
  if (m.domain === null) return String(uid);
  const user = m.identity.byUid(uid);
  return user === undefined ? String(uid) : `${user.username}@${m.domain}`;
}

/** Groups have no names in the control plane: always numeric. */
export function groupString(gid: number): string {
  return String(gid);
}

function numeric(s: string): number | null {
  if (!NUMERIC.test(s)) return null;
  const n = Number(s);
  return n <= ID_MAX ? n : null;
}

/** The uid an owner string names; BADOWNER for a name this server cannot map. */
export function parseOwner(m: OwnerMap, s: string): number {
  const n = numeric(s);
  if (n !== null) return n;
  const at = s.lastIndexOf("@");
  const name = at < 0 ? s : s.slice(0, at);
  const domain = at < 0 ? m.domain : s.slice(at + 1);
  const asNumber = numeric(name);
  if (asNumber !== null) return asNumber;
  const user = domain !== null && domain === m.domain ? m.identity.byName(name) : undefined;
  if (user === undefined) throw new Nfs4Error(NFS4ERR_BADOWNER, `owner ${JSON.stringify(s)}`);
  return user.uid;
}

/** The gid an owner_group string names: numeric (optionally @domain), else BADOWNER. */
export function parseGroup(s: string): number {
  const at = s.lastIndexOf("@");
  const n = numeric(at < 0 ? s : s.slice(0, at));
  if (n === null) throw new Nfs4Error(NFS4ERR_BADOWNER, `group ${JSON.stringify(s)}`);
  return n;
}

/**
 * A call's context (docs/architecture.md "Layers"): the share a handle names, checked once per
 * call for the protocol, read-only and the share's access policy (domain/share-access.ts).
 */
import { FsError } from "../domain/errors.ts";
import type { IdentityDirectory, Principal } from "../domain/identity.ts";
import type { ShareInfo } from "../domain/share.ts";
import { type ShareAccess, sessionAccess, shareAccess } from "../domain/share-access.ts";
import type { Caller } from "../metadata/types.ts";
import type { FileCall } from "./types.ts";

export interface ResolveOptions {
  /** The protocol the share must be enabled for ("nfs"); absent: not checked (SMB checked it at TREE_CONNECT). */
  protocol?: keyof ShareInfo["protocols"];
  /** The call changes the file system: refused on a read-only share. */
  mutates?: boolean;
  /**
   * NFS: the peer address and AUTH_SYS uid (null: AUTH_NONE) the share's access policy judges
   * (domain/share-access.ts: client list, grants, anonymous policy). SMB decided at TREE_CONNECT.
   */
  peer?: { address: string; uid: number | null };
  /**
   * A protocol with logged-on users (SMB): the session's principal, null for a guest
   * (domain/share-access.ts sessionAccess: the user's grant, guest shares).
   */
  user?: { principal: Principal | null };
  /**
   * The calling peer's connected clients (ClientRegistry ids) by share name: the call's READ/WRITE
   * bytes are counted for the one of the handle's share (NFS: the host's mount of it).
   */
  clients?: ReadonlyMap<string, string> | undefined;
}

/** A call the share's access policy refuses: protocols answer it without any attributes. */
export class AccessRefused extends FsError {}

export type Grants = Pick<IdentityDirectory, "byUid" | "permission">;

/** Without a directory every uid is unknown and gets the share's anonymous policy. */
export const NO_USERS: Grants = { byUid: () => undefined, permission: () => "none" };

/**
 * The call context for `handle` in `share`: share-level access checked (share enabled for the
 * protocol, read-only, the access policy of `opts`).
 */
export function resolveCall(
  share: ShareInfo,
  identity: Grants,
  caller: Caller,
  handle: Buffer,
  opts: ResolveOptions,
): FileCall {
  if (opts.protocol !== undefined && !share.protocols[opts.protocol]) {
    throw new AccessRefused("EACCES", `share ${share.name} is not exported over ${opts.protocol}`);
  }
  if (opts.mutates && share.readOnly) throw new FsError("EROFS", `share ${share.name} is read-only`);
  const access = sharePolicy(share, identity, opts);
  const client = opts.clients?.get(share.name);
  if (access === undefined)
    return client === undefined ? { caller, handle, share } : { caller, handle, share, client };
  if (access.level === "none") throw new AccessRefused("EACCES", `no access to share ${share.name}`);
  if (opts.mutates && access.level !== "read-write") {
    throw new AccessRefused(access.writeRefusal, `read-only access to share ${share.name}`);
  }
  return client === undefined ? { caller, handle, share, access } : { caller, handle, share, access, client };
}

/** What the share's access policy gives the peer or user of `opts` (undefined: neither given). */
export function sharePolicy(
  share: ShareInfo,
  identity: Grants,
  opts: ResolveOptions,
): ShareAccess | undefined {
  if (opts.peer !== undefined) return shareAccess(share, opts.peer.address, opts.peer.uid, identity);
  if (opts.user !== undefined) return sessionAccess(share, opts.user.principal, identity);
  return undefined;
}

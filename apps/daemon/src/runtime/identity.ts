/**
 * The IdentityDirectory the adapters authenticate and authorize against, built from the control
 * plane's users, groups and share permissions. It is an immutable snapshot: the Runtime swaps in a
 * new one whenever identities change, so a lookup never sees a half-applied change.
 */
import type { IdentityDirectory, Principal } from "../domain/identity.ts";
import { PERMISSION_LEVELS, type Permission } from "../domain/share.ts";

export interface IdentitySource {
  principals: Principal[];
  groups: Array<{ name: string; gid: number }>;
  permissions: Array<{ share: string; user: string | null; group: string | null; level: Permission }>;
}

/** Levels rank in declaration order (PERMISSION_LEVELS is lowest first). */
const rank = (p: Permission): number => PERMISSION_LEVELS.indexOf(p);

export class SnapshotIdentityDirectory implements IdentityDirectory {
  readonly #byName = new Map<string, Principal>();
  readonly #byUid = new Map<number, Principal>();
  readonly #groupNamesByGid = new Map<number, string>();
  /** share → user → level, and share → group → level. */
  readonly #userGrants = new Map<string, Map<string, Permission>>();
  readonly #groupGrants = new Map<string, Map<string, Permission>>();

  constructor(source: IdentitySource) {
    for (const g of source.groups) this.#groupNamesByGid.set(g.gid, g.name);
    for (const principal of source.principals) {
      this.#byName.set(principal.username, principal);
      // Two users may share a uid; the first one listed answers uid lookups.
      if (!this.#byUid.has(principal.uid)) this.#byUid.set(principal.uid, principal);
    }
    for (const p of source.permissions) {
      const table = p.user !== null ? this.#userGrants : this.#groupGrants;
      const subject = (p.user ?? p.group)!;
      let grants = table.get(p.share);
      if (grants === undefined) {
        grants = new Map();
        table.set(p.share, grants);
      }
      grants.set(subject, p.level);
    }
  }

  byName(username: string): Principal | undefined {
    return this.#byName.get(username);
  }

  byUid(uid: number): Principal | undefined {
    return this.#byUid.get(uid);
  }

  permission(principal: Principal, shareName: string): Permission {
    const own = this.#userGrants.get(shareName)?.get(principal.username);
    if (own !== undefined) return own;
    const groupGrants = this.#groupGrants.get(shareName);
    if (groupGrants === undefined) return "none";
    let best: Permission = "none";
    for (const gid of new Set([principal.gid, ...principal.gids])) {
      const name = this.#groupNamesByGid.get(gid);
      const level = name === undefined ? undefined : groupGrants.get(name);
      if (level !== undefined && rank(level) > rank(best)) best = level;
    }
    return best;
  }
}

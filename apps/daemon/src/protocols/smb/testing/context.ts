/**
 * The smallest real Runtime pieces the SMB adapter reads (shares, identity with real NT hashes,
 * clients, metrics), for tests that run the adapter without the whole Runtime.
 */
import type {
  ClientRegistry,
  ConnectedClient,
  IdentityDirectory,
  Permission,
  Principal,
  ProtocolMetrics,
  ShareInfo,
} from "../../../runtime/types.ts";
import { ntHashOf } from "../auth/ntlm.ts";

export function shareInfo(name: string, patch: Partial<ShareInfo> = {}): ShareInfo {
  return {
    name,
    readOnly: false,
    squash: "none",
    anonUid: 65534,
    anonGid: 65534,
    protocols: { nfs: true, smb: true },
    guest: false,
    metadataStore: "meta",
    blockStore: "blocks",
    ...patch,
  };
}

export class TestShares {
  readonly map = new Map<string, ShareInfo>();
  list(): ShareInfo[] {
    return [...this.map.values()];
  }
  get(name: string): ShareInfo | undefined {
    return this.map.get(name);
  }
}

export class TestIdentity implements IdentityDirectory {
  readonly principals: Principal[] = [];
  readonly grants = new Map<string, Permission>();

  async addUser(
    username: string,
    password: string,
    ids: { uid: number; gid: number },
    grants: Record<string, Permission> = {},
  ): Promise<Principal> {
    const p: Principal = {
      username,
      uid: ids.uid,
      gid: ids.gid,
      gids: [ids.gid],
      role: "user",
      enabled: true,
      ntHash: await ntHashOf(password),
    };
    this.principals.push(p);
    for (const [share, perm] of Object.entries(grants)) this.grants.set(`${username}|${share}`, perm);
    return p;
  }
  byName(username: string): Principal | undefined {
    return this.principals.find((p) => p.username === username);
  }
  byUid(uid: number): Principal | undefined {
    return this.principals.find((p) => p.uid === uid);
  }
  permission(principal: Principal, shareName: string): Permission {
    return this.grants.get(`${principal.username}|${shareName}`) ?? "read-write";
  }
}

export class TestClients implements ClientRegistry {
  private next = 1;
  readonly clients = new Map<string, ConnectedClient>();
  add(c: Omit<ConnectedClient, "id" | "since">): string {
    const id = String(this.next++);
    this.clients.set(id, { ...c, id, since: new Date() });
    return id;
  }
  update(id: string, patch: Partial<Pick<ConnectedClient, "share" | "user">>): void {
    const c = this.clients.get(id);
    if (c) this.clients.set(id, { ...c, ...patch });
  }
  remove(id: string): void {
    this.clients.delete(id);
  }
  list(): ConnectedClient[] {
    return [...this.clients.values()];
  }
}

export class TestMetrics implements ProtocolMetrics {
  readonly ops = new Map<string, { ok: number; failed: number }>();
  observe(protocol: string, op: string, _durationMs: number, ok: boolean): void {
    const key = `${protocol}.${op}`;
    const e = this.ops.get(key) ?? { ok: 0, failed: 0 };
    if (ok) e.ok++;
    else e.failed++;
    this.ops.set(key, e);
  }
}

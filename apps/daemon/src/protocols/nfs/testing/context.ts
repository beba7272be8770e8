/**
 * The smallest real implementations of the Runtime pieces an adapter reads (shares, identity,
 * connected clients, metrics), for tests that run the adapter without the whole Runtime.
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

  addUser(username: string, uid: number, gid: number, grants: Record<string, Permission> = {}): Principal {
    const p: Principal = { username, uid, gid, gids: [gid], role: "user", enabled: true, ntHash: null };
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
  readonly ops = new Map<string, { ok: number; failed: number; totalMs: number }>();
  observe(protocol: string, op: string, durationMs: number, ok: boolean): void {
    const key = `${protocol}.${op}`;
    const e = this.ops.get(key) ?? { ok: 0, failed: 0, totalMs: 0 };
    if (ok) e.ok++;
    else e.failed++;
    e.totalMs += durationMs;
    this.ops.set(key, e);
  }

  /** One line per operation: count, failures and mean latency (benchmark diagnostics). */
  summary(): string {
    return [...this.ops]
      .sort((a, b) => b[1].totalMs - a[1].totalMs)
      .map(
        ([k, e]) =>
          `${k.padEnd(20)} n=${e.ok + e.failed} failed=${e.failed} mean=${(e.totalMs / (e.ok + e.failed)).toFixed(3)} ms total=${e.totalMs.toFixed(0)} ms`,
      )
      .join("\n");
  }
}

/**
 * The Runtime pieces an adapter reads (shares, identity, metrics), in their smallest real form,
 * for tests and benchmarks that run one adapter over the real services without the whole
 * Runtime. Connected clients use the Runtime's own `MemoryClientRegistry`.
 */
import type { IdentityDirectory, Principal } from "../../domain/identity.ts";
import type { NewAuditRow } from "../../domain/logon.ts";
import type { Permission, ShareInfo } from "../../domain/share.ts";
import type { ProtocolMetrics } from "../../domain/stats.ts";
import { LogonThrottle } from "../logon-throttle.ts";

export { MemoryClientRegistry } from "../clients.ts";

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

/** Principals with per-share grants; a principal without a grant gets read-write. */
export class TestIdentity implements IdentityDirectory {
  readonly principals: Principal[] = [];
  readonly grants = new Map<string, Permission>();

  addPrincipal(p: Principal, grants: Record<string, Permission> = {}): Principal {
    this.principals.push(p);
    for (const [share, perm] of Object.entries(grants)) this.grants.set(`${p.username}|${share}`, perm);
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

/** Counts per `protocol.op` with failures and total latency, for assertions and bench output. */
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
      .map(([k, e]) => {
        const n = e.ok + e.failed;
        return `${k.padEnd(20)} n=${n} failed=${e.failed} mean=${(e.totalMs / n).toFixed(3)} ms total=${e.totalMs.toFixed(0)} ms`;
      })
      .join("\n");
  }
}

/** The real logon throttle, its audit rows kept in memory for assertions. */
export class TestLogons extends LogonThrottle {
  readonly rows: NewAuditRow[] = [];

  constructor(now?: () => number) {
    super((row) => {
      this.rows.push(row);
    }, now);
  }
}

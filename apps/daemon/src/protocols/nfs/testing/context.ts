/**
 * Runtime pieces for NFS adapter tests: the shared ones from runtime/testing, plus principals
 * made from a uid/gid as AUTH_SYS callers present them.
 */

import type { Principal } from "../../../domain/identity.ts";
import type { Permission } from "../../../domain/share.ts";
import { TestIdentity as BaseIdentity } from "../../../runtime/testing/adapter-context.ts";

export {
  MemoryClientRegistry as TestClients,
  shareInfo,
  TestLogons,
  TestMetrics,
  TestShares,
} from "../../../runtime/testing/adapter-context.ts";

export class TestIdentity extends BaseIdentity {
  addUser(username: string, uid: number, gid: number, grants: Record<string, Permission> = {}): Principal {
    const p: Principal = { username, uid, gid, gids: [gid], role: "user", enabled: true, ntHash: null };
    return this.addPrincipal(p, grants);
  }
}

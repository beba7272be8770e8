/**
 * Runtime pieces for SMB adapter tests: the shared ones from runtime/testing, plus principals
 * with real NT hashes computed from a password, as NTLM needs them.
 */

import type { Principal } from "../../../domain/identity.ts";
import type { Permission } from "../../../domain/share.ts";
import { TestIdentity as BaseIdentity } from "../../../runtime/testing/adapter-context.ts";
import { ntHashOf } from "../auth/ntlm.ts";

export {
  MemoryClientRegistry as TestClients,
  shareInfo,
  TestLogons,
  TestMetrics,
  TestShares,
} from "../../../runtime/testing/adapter-context.ts";

export class TestIdentity extends BaseIdentity {
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
    return this.addPrincipal(p, grants);
  }
}

/**
 * One SMB harness per describe block, and the clients a test logged in as ALICE, closed after
 * each test: the setup every command test repeats.
 */
import { afterAll, afterEach, beforeAll } from "vitest";
import { ALICE, type SmbHarness, startSmbHarness } from "./harness.ts";
import { SmbTestClient } from "./smb-client.ts";

export interface SmbFixture {
  /** The running harness (only inside tests and hooks). */
  readonly h: SmbHarness;
  /** A client logged in as ALICE on "export", closed after the current test. */
  login(dialects?: number[]): Promise<SmbTestClient>;
}

export function useSmbHarness(opts?: Parameters<typeof startSmbHarness>[0]): SmbFixture {
  let harness: SmbHarness | null = null;
  const clients: SmbTestClient[] = [];
  const current = (): SmbHarness => {
    if (harness === null) throw new Error("SMB harness not started");
    return harness;
  };
  beforeAll(async () => {
    harness = await startSmbHarness(opts);
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });
  afterAll(async () => {
    await harness?.stop();
  });
  return {
    get h() {
      return current();
    },
    login: async (dialects) => {
      const c = await SmbTestClient.login(current().port, ALICE.user, ALICE.password, "export", dialects);
      clients.push(c);
      return c;
    },
  };
}

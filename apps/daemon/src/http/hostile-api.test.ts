/**
 * A hostile client against a real daemon (in-process, real sockets on 127.0.0.1; 127.0.0.2 as a
 * second client address): logon guessing over SMB and the API, forged X-Forwarded-For, lockout of
 * the real admin from elsewhere, and floods of refused mutations in the audit table.
 */
import { request } from "node:http";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Daemon } from "../daemon.ts";
import { STATUS_ACCOUNT_LOCKED_OUT, STATUS_LOGON_FAILURE } from "../protocols/smb/ntstatus.ts";
import { SmbTestClient } from "../protocols/smb/testing/smb-client.ts";
import { LOGON_PAIR_FREE } from "../runtime/logon-limiter.ts";
import { daemonHarness, TEST_ADMIN_PASSWORD } from "../runtime/testing/daemon-harness.ts";

export interface RawResponse {
  status: number;
  body: string;
}

/** One tRPC call over HTTP from `localAddress`, with optional extra headers. */
export function trpcCall(
  url: string,
  path: string,
  input: unknown,
  opts: { localAddress?: string; headers?: Record<string, string>; token?: string; query?: boolean } = {},
): Promise<RawResponse> {
  const payload = JSON.stringify(superjson.serialize(input));
  const target = new URL(
    opts.query ? `/trpc/${path}?input=${encodeURIComponent(payload)}` : `/trpc/${path}`,
    url,
  );
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      {
        method: opts.query ? "GET" : "POST",
        localAddress: opts.localAddress ?? "127.0.0.1",
        headers: {
          "content-type": "application/json",
          ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
          ...opts.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on("error", reject);
    req.end(opts.query ? undefined : payload);
  });
}

export const login = (url: string, password: string, opts: Parameters<typeof trpcCall>[3] = {}) =>
  trpcCall(url, "auth.login", { username: "admin", password }, opts);

/** The address of the one configured trusted proxy (the console's host in a real deployment). */
const PROXY = "127.0.0.8";
/** The guessing client's address. */
const GUESSER = "127.0.0.7";

describe("hostile clients at the logon and the API edge", () => {
  const h = daemonHarness({ config: { http: { listen: "127.0.0.1:0", trustedProxies: [PROXY] } } });
  let daemon: Daemon;
  let url: string;
  let smbPort: number;
  beforeAll(async () => {
    daemon = await h.start();
    url = daemon.httpUrl;
    smbPort = daemon.runtime.adapterStatus("smb").port;
  });
  afterAll(() => h.dispose());

  it("300 wrong SMB passwords for admin are throttled; the right one from another address still works", async () => {
    const statuses = new Map<number, number>();
    const guess = async (password: string) => {
      const c = await SmbTestClient.connect(smbPort, GUESSER);
      await c.negotiate();
      const r = await c.sessionSetup("admin", password);
      c.close();
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      return r.status;
    };
    for (let i = 0; i < LOGON_PAIR_FREE; i++) expect(await guess(`wrong-${i}`)).toBe(STATUS_LOGON_FAILURE);
    // Backing off now (LOGON_BACKOFF_BASE_MS from the last failure): even the right password is
    // refused from the guessing address, over SMB and over the API, which shares the throttle.
    expect(await guess(TEST_ADMIN_PASSWORD)).toBe(STATUS_ACCOUNT_LOCKED_OUT);
    expect((await login(url, TEST_ADMIN_PASSWORD, { localAddress: GUESSER })).status).toBe(429);
    for (let i = LOGON_PAIR_FREE; i < 300; i++) await guess(`wrong-${i}`);
    // Only a few guesses reached the password check (the backoff doubles with each); the rest were refused unchecked.
    expect(statuses.get(STATUS_LOGON_FAILURE) ?? 0).toBeLessThan(LOGON_PAIR_FREE + 5);
    // The real admin elsewhere logs on at once.
    const elsewhere = await SmbTestClient.login(
      smbPort,
      "admin",
      TEST_ADMIN_PASSWORD,
      "export",
      undefined,
      "127.0.0.2",
    );
    elsewhere.close();
  });

  it("a changing X-Forwarded-For from an untrusted (loopback) peer does not reset the throttle", async () => {
    const from = { localAddress: "127.0.0.1" };
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) {
      const r = await login(url, `guess-${i}`, { ...from, headers: { "x-forwarded-for": `10.9.${i}.1` } });
      statuses.push(r.status);
    }
    expect(statuses.filter((s) => s === 401).length).toBeLessThan(10);
    expect(statuses.at(-1)).toBe(429);
  });

  it("5 bad API logins do not lock the real admin out for others, forged X-Forwarded-For or not", async () => {
    const admin = "198.51.100.7";
    // Through the proxy, claiming to be the admin's address: the proxy appended the real one.
    const forged = { localAddress: PROXY, headers: { "x-forwarded-for": `${admin}, 203.0.113.9` } };
    for (let i = 0; i < 5; i++) expect((await login(url, `bad-${i}`, forged)).status).toBe(401);
    // Without the header, straight from the proxy's host.
    for (let i = 0; i < 5; i++)
      expect((await login(url, `bad-${i}`, { localAddress: PROXY })).status).toBe(401);
    const real = { localAddress: PROXY, headers: { "x-forwarded-for": admin } };
    expect((await login(url, TEST_ADMIN_PASSWORD, real)).status).toBe(200);
    expect((await login(url, TEST_ADMIN_PASSWORD, { localAddress: "127.0.0.5" })).status).toBe(200);
  });

  it("unauthenticated refused mutations do not flood the audit table", async () => {
    const before = (await daemon.store.listAudit({ limit: 1000 })).items.length;
    for (let i = 0; i < 300; i++) {
      const r = await trpcCall(
        url,
        "users.create",
        { username: `x${i}`, password: "p4ssword!", role: "admin" },
        {
          localAddress: "127.0.0.6",
        },
      );
      expect(r.status).toBe(401);
    }
    const after = (await daemon.store.listAudit({ limit: 1000 })).items.length;
    expect(after - before).toBeLessThanOrEqual(2);
  });

  it("API errors for anonymous callers carry no stack traces or source paths", async () => {
    const refused = await trpcCall(url, "users.create", {
      username: "x",
      password: "p4ssword!",
      role: "admin",
    });
    const invalid = await trpcCall(url, "auth.login", { username: 7 });
    const unknown = await trpcCall(url, "no.such.procedure", {});
    for (const r of [refused, invalid, unknown]) {
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.body).not.toMatch(/"stack"|\.ts:\d+|node_modules|\/src\//);
    }
  });
});

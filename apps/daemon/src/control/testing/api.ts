/**
 * Router test harness: a real ControlStore (SQLite or PostgreSQL) seeded by the real bootstrap,
 * an InProcessRuntime, and callers that log in through auth.login like a client would.
 */

import { TRPCError } from "@trpc/server";
import { beforeEach, expect } from "vitest";
import { LogonThrottle } from "../../runtime/logon-throttle.ts";
import { createContextFactory } from "../api/context.ts";
import { appRouter } from "../api/routers/_app.ts";
import { createCallerFactory } from "../api/trpc.ts";
import { bootstrapControlPlane } from "../bootstrap.ts";
import type { ControlStore } from "../store/control-store.ts";
import type { Role } from "../store/types.ts";
import type { Dialect } from "./control-store.ts";
import { storeHarness } from "./control-store.ts";
import { InProcessRuntime } from "./in-process-runtime.ts";

export const ADMIN_PASSWORD = "admin-password";
export const PASSWORD = "password1";
const createCaller = createCallerFactory(appRouter);
export type Caller = ReturnType<typeof createCaller>;

export interface Api {
  store: ControlStore;
  runtime: InProcessRuntime;
  logons: LogonThrottle;
  /** A caller with no session, from `ip`. */
  anonymous(ip?: string): Promise<Caller>;
  /** Logs in through auth.login and returns a caller carrying the session token. */
  as(username: string, password?: string, ip?: string): Promise<Caller>;
  /** Creates a user with the role (and password PASSWORD) and returns their caller. */
  withRole(role: Role, username?: string): Promise<Caller>;
  /** A caller carrying an arbitrary token (expired, logged out, forged). */
  withToken(token: string): Promise<Caller>;
}

/** Call inside a describe: returns a function that builds a fresh seeded API. */
export function apiHarness(dialect: Dialect, now?: () => number) {
  const h = storeHarness(dialect);
  return async (): Promise<Api> => {
    const store = await h.fresh();
    await bootstrapControlPlane(store, { adminPassword: ADMIN_PASSWORD, dataDir: "/tmp/dittofs-test-data" });
    const runtime = await new InProcessRuntime(store).load();
    const logons = new LogonThrottle((row) => store.appendAudit(row), now);
    const contextFor = createContextFactory({ store, runtime, logons });
    // A context per call, as the HTTP server builds one per request (a logout takes effect).
    const caller = async (token: string | null, ip = "127.0.0.1") =>
      createCaller(() => contextFor({ token, ip }));
    const api: Api = {
      store,
      runtime,
      logons,
      anonymous: (ip) => caller(null, ip),
      async as(username, password = PASSWORD, ip = "127.0.0.1") {
        const { token } = await (await caller(null, ip)).auth.login({ username, password });
        return caller(token, ip);
      },
      async withRole(role, username = `${role}-user`) {
        await store.createUser({ username, password: PASSWORD, role });
        return api.as(username);
      },
      withToken: (token) => caller(token),
    };
    return api;
  };
}

/** The TRPCError a call rejects with (fails the test if it resolves). */
export async function trpcError(p: Promise<unknown>): Promise<TRPCError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TRPCError);
  return e as TRPCError;
}

/**
 * Call inside a describe: before each test, a fresh seeded API and the admin's caller, handed to
 * `use` (router tests keep them in their own `let`s).
 */
export function beforeEachFreshApi(dialect: Dialect, use: (api: Api, admin: Caller) => void): void {
  const fresh = apiHarness(dialect);
  beforeEach(async () => {
    const api = await fresh();
    use(api, await api.as("admin", ADMIN_PASSWORD));
  });
}

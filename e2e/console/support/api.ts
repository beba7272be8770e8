/**
 * A Node-side tRPC client for seeding and checking state through the daemon's real API (the
 * same router the console uses), signed in as the given account.
 */
import type { AppRouter } from "@dittofs/daemon/router-types";
import { createTRPCClient, httpBatchLink } from "@trpc/client";
import superjson from "superjson";

export type Api = ReturnType<typeof apiClient>;

export function apiClient(daemonUrl: string, token?: string) {
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: `${daemonUrl}/trpc`,
        transformer: superjson,
        headers: () => (token === undefined ? {} : { authorization: `Bearer ${token}` }),
      }),
    ],
  });
}

/** Signs in and returns the session token and a client that uses it. */
export async function signIn(daemonUrl: string, username: string, password: string) {
  const result = await apiClient(daemonUrl).auth.login.mutate({ username, password });
  return { token: result.token, api: apiClient(daemonUrl, result.token), user: result.user };
}

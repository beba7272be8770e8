/** The tRPC client dfsctl talks through (superjson, like the server), with the saved token. */
import { createTRPCClient, httpLink, TRPCClientError } from "@trpc/client";
import superjson from "superjson";
import type { AppRouter } from "../../control/api/routers/_app.ts";
import { DEFAULT_API_URL, loadSession } from "./session.ts";

export type ApiClient = ReturnType<typeof createTRPCClient<AppRouter>>;

/** --url, else DITTOFS_URL, else the URL of the saved login, else the default. */
export function resolveUrl(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.DITTOFS_URL === "" ? undefined : env.DITTOFS_URL;
  const url = flag ?? fromEnv ?? loadSession(env)?.url ?? DEFAULT_API_URL;
  return url.replace(/\/+$/, "");
}

export function apiClient(url: string, token: string | null): ApiClient {
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${url}/trpc`,
        transformer: superjson,
        headers: () => (token === null ? {} : { authorization: `Bearer ${token}` }),
      }),
    ],
  });
}

/** A client for the saved login; a saved login for another URL is not sent there. */
export function sessionClient(urlFlag: string | undefined, env: NodeJS.ProcessEnv = process.env): ApiClient {
  const url = resolveUrl(urlFlag, env);
  const session = loadSession(env);
  return apiClient(url, session !== null && session.url === url ? session.token : null);
}

/** One line for a failed call: the server's message, the field it names, and what to do. */
export function describeError(err: unknown): string {
  if (err instanceof TRPCClientError) {
    const data = err.data as { code?: string; field?: string | null } | undefined;
    if (data?.code === "UNAUTHORIZED") return `${err.message} (log in with: dfsctl login)`;
    const field = data?.field ? ` [${data.field}]` : "";
    if (data?.code === undefined && err.cause !== undefined) return `cannot reach the API: ${err.message}`;
    return `${err.message}${field}`;
  }
  return err instanceof Error ? err.message : String(err);
}

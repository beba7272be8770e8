import "server-only";
import type { AppRouter } from "@dittofs/daemon/router-types";
import { createTRPCClient, httpLink, TRPCClientError } from "@trpc/client";
import type { inferRouterOutputs } from "@trpc/server";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import superjson from "superjson";
import { daemonUrl, SESSION_COOKIE } from "./daemon-url";

export type Me = inferRouterOutputs<AppRouter>["auth"]["me"];
export type Role = Me["role"];

/** A server-side client for the daemon (sign-in, sign-out and the session check on each page). */
export function daemonClient(token?: string, forwardedFor?: string | null) {
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${daemonUrl()}/trpc`,
        transformer: superjson,
        headers: () => {
          const h: Record<string, string> = {};
          if (token !== undefined) h.authorization = `Bearer ${token}`;
          if (forwardedFor) h["x-forwarded-for"] = forwardedFor;
          return h;
        },
      }),
    ],
  });
}

export async function sessionToken(): Promise<string | undefined> {
  const value = (await cookies()).get(SESSION_COOKIE)?.value;
  return value === "" ? undefined : value;
}

/** The signed-in account, or null when there is no cookie or the daemon no longer accepts it. */
export const getMe = cache(async (): Promise<Me | null> => {
  const token = await sessionToken();
  if (token === undefined) return null;
  try {
    return await daemonClient(token).auth.me.query();
  } catch (err) {
    if (err instanceof TRPCClientError && err.data?.code === "UNAUTHORIZED") return null;
    throw err;
  }
});

/** For every console page: signed in, and past any forced password change. */
export async function requireMe(): Promise<Me> {
  const me = await getMe();
  if (me === null) redirect("/login");
  if (me.mustChangePassword) redirect("/change-password");
  return me;
}

/** Pages only some roles may open; the others land on the page their role starts from. */
export async function requireRole(...roles: Role[]): Promise<Me> {
  const me = await requireMe();
  if (!roles.includes(me.role)) redirect(me.role === "user" ? "/profile" : "/");
  return me;
}

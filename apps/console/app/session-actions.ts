"use server";
import { TRPCClientError } from "@trpc/client";
import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";
import { forwardedFor, SESSION_COOKIE } from "@/lib/daemon-url";
import { isDaemonUnreachable } from "@/lib/reachability";
import { daemonClient, sessionToken } from "@/lib/session";

export interface SignInState {
  error?: string;
  fieldErrors?: Record<string, string>;
  username?: string;
}

/** Used when the daemon's token carries no expiry of its own. */
const SESSION_MAX_AGE_S = 12 * 60 * 60;

async function isHttps(): Promise<boolean> {
  const h = await headers();
  return h.get("x-forwarded-proto") === "https";
}

/** Plain language for the admin: the daemon's own message, or what a missing answer means. */
function signInErrorText(err: unknown): string {
  if (isDaemonUnreachable(err)) {
    return "The DittoFS daemon is not answering, so nobody can sign in right now. Check that it is running (and that DAEMON_URL points at it), then try again.";
  }
  return err instanceof TRPCClientError ? err.message : "Signing in failed; try again.";
}

/** Signs in against the daemon and keeps its token in an httpOnly, SameSite=Strict cookie. */
export async function signIn(_prev: SignInState, form: FormData): Promise<SignInState> {
  const username = String(form.get("username") ?? "").trim();
  const password = String(form.get("password") ?? "");
  const fieldErrors: Record<string, string> = {};
  if (username === "") fieldErrors.username = "Enter your username";
  if (password === "") fieldErrors.password = "Enter your password";
  if (Object.keys(fieldErrors).length > 0) return { fieldErrors, username };

  const xff = forwardedFor(await headers());
  let result: Awaited<ReturnType<ReturnType<typeof daemonClient>["auth"]["login"]["mutate"]>>;
  try {
    result = await daemonClient(undefined, xff).auth.login.mutate({ username, password });
  } catch (err) {
    return { error: signInErrorText(err), username };
  }
  const expires = "expiresAt" in result && result.expiresAt ? new Date(result.expiresAt) : undefined;
  (await cookies()).set(SESSION_COOKIE, result.token, {
    httpOnly: true,
    sameSite: "strict",
    secure: await isHttps(),
    path: "/",
    ...(expires ? { expires } : { maxAge: SESSION_MAX_AGE_S }),
  });
  redirect(result.user.mustChangePassword ? "/change-password" : "/");
}

/** Ends the daemon session (best effort) and drops the cookie. */
export async function signOut(): Promise<void> {
  const token = await sessionToken();
  if (token !== undefined) {
    try {
      await daemonClient(token).auth.logout.mutate();
    } catch {
      // The cookie goes either way: a session the daemon already forgot is still signed out here.
    }
  }
  (await cookies()).delete(SESSION_COOKIE);
  redirect("/login");
}

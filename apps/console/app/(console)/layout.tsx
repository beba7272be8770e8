import type { ReactNode } from "react";
import { DaemonUnreachable } from "@/components/outage/daemon-unreachable";
import { StaleWhileUnreachable } from "@/components/outage/stale-banner";
import { isDaemonUnreachable } from "@/lib/reachability";
import { type Me, requireMe } from "@/lib/session";
import { signOut } from "../session-actions";
import { DaemonName } from "./_components/daemon-name";
import { Nav } from "./_components/nav";
import { ThemeToggle } from "./_components/theme-toggle";

export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  let me: Me;
  try {
    me = await requireMe();
  } catch (err) {
    // Redirects (sign-in) are thrown too and must pass; only "no answer" gets the outage page.
    if (!isDaemonUnreachable(err)) throw err;
    return <DaemonUnreachable detail={err instanceof Error ? err.message : undefined} />;
  }
  return (
    <div className="flex min-h-screen flex-col md:flex-row">
      <aside className="border-b border-slate-200 bg-white md:w-56 md:shrink-0 md:border-r md:border-b-0 dark:border-slate-800 dark:bg-slate-900">
        <div className="flex items-center justify-between px-4 py-3 md:block">
          <span className="text-lg font-semibold tracking-tight">DittoFS</span>
        </div>
        <Nav role={me.role} />
      </aside>
      <div className="flex min-w-0 flex-1 flex-col">
        <header className="flex items-center justify-end gap-3 border-b border-slate-200 bg-white px-4 py-2 text-sm dark:border-slate-800 dark:bg-slate-900">
          <DaemonName />
          <span>
            Signed in as <strong>{me.username}</strong> <span className="text-slate-500">({me.role})</span>
          </span>
          <ThemeToggle />
          <form action={signOut}>
            <button
              type="submit"
              className="rounded-md px-2.5 py-1 font-medium hover:bg-slate-200 dark:hover:bg-slate-800"
            >
              Sign out
            </button>
          </form>
        </header>
        <main className="mx-auto w-full max-w-7xl min-w-0 flex-1 p-4 md:p-6">
          <StaleWhileUnreachable>{children}</StaleWhileUnreachable>
        </main>
      </div>
    </div>
  );
}

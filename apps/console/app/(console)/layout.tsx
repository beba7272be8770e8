import type { ReactNode } from "react";
import { DaemonUnreachable } from "@/components/outage/daemon-unreachable";
import { StaleWhileUnreachable } from "@/components/outage/stale-banner";
import { Logo } from "@/components/ui/logo";
import { isDaemonUnreachable } from "@/lib/reachability";
import { type Me, requireMe } from "@/lib/session";
import { signOut } from "../session-actions";
import { DaemonName } from "./_components/daemon-name";
import { MobileNav } from "./_components/mobile-nav";
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
      <aside className="hidden border-slate-200 bg-white md:block md:w-56 md:shrink-0 md:border-r dark:border-slate-800 dark:bg-slate-900">
        <div className="flex items-center gap-2 px-4 py-3">
          <Logo />
          <span className="text-lg font-semibold tracking-tight">DittoFS</span>
        </div>
        <Nav role={me.role} />
      </aside>
      <div className="flex min-w-0 flex-1 flex-col">
        <header className="flex items-center justify-end gap-2 border-b border-slate-200 bg-white px-2 py-2 text-sm whitespace-nowrap sm:gap-3 sm:px-4 dark:border-slate-800 dark:bg-slate-900">
          <MobileNav role={me.role} />
          <span className="mr-auto flex items-center gap-1.5 font-semibold md:hidden">
            <Logo className="h-5 w-5" /> DittoFS
          </span>
          <DaemonName />
          <span className="min-w-0 truncate">
            <span className="hidden sm:inline">Signed in as </span>
            <strong>{me.username}</strong>{" "}
            <span className="hidden text-slate-500 sm:inline">({me.role})</span>
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

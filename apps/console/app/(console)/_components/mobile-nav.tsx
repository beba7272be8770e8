"use client";
import { usePathname } from "next/navigation";
import { useEffect, useState } from "react";
import { Logo } from "@/components/ui/logo";
import { Nav, type Role } from "./nav";

/**
 * Under the md breakpoint (~768 px) the sidebar is hidden and the navigation opens as a drawer
 * from a menu button; it closes on a link (the path changes), the backdrop or Escape.
 */
export function MobileNav({ role }: { role: Role }) {
  const [open, setOpen] = useState(false);
  const pathname = usePathname();
  // biome-ignore lint/correctness/useExhaustiveDependencies: closing is the effect of a navigation.
  useEffect(() => setOpen(false), [pathname]);
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && setOpen(false);
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [open]);
  return (
    <div className="md:hidden">
      <button
        type="button"
        aria-label="Open navigation"
        aria-expanded={open}
        aria-controls="nav-drawer"
        onClick={() => setOpen(true)}
        className="rounded-md p-2 hover:bg-slate-200 dark:hover:bg-slate-800"
      >
        <svg viewBox="0 0 20 20" className="h-5 w-5" aria-hidden="true">
          <path d="M3 5h14M3 10h14M3 15h14" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
        </svg>
      </button>
      {open ? (
        <div className="fixed inset-0 z-40">
          <button
            type="button"
            aria-label="Close navigation"
            className="absolute inset-0 h-full w-full bg-slate-900/40"
            onClick={() => setOpen(false)}
          />
          <div
            id="nav-drawer"
            role="dialog"
            aria-modal="true"
            aria-label="Navigation"
            className="absolute inset-y-0 left-0 w-64 max-w-[80vw] overflow-y-auto bg-white shadow-xl dark:bg-slate-900"
          >
            <div className="flex items-center gap-2 px-4 py-3 text-lg font-semibold">
              <Logo /> DittoFS
            </div>
            <Nav role={role} vertical />
          </div>
        </div>
      ) : null}
    </div>
  );
}

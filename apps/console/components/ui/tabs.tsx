"use client";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { type ReactNode, useId } from "react";

/** Tabs whose selection is the page URL's `?tab=<id>`, so a tab can be linked to and survives a reload. */
export function Tabs({
  tabs,
  initial,
}: {
  tabs: { id: string; label: string; content: ReactNode }[];
  initial?: string;
}) {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const asked = params.get("tab");
  const active = tabs.some((t) => t.id === asked) ? asked : (initial ?? tabs[0]?.id);
  const setActive = (id: string) => {
    const next = new URLSearchParams(params.toString());
    next.set("tab", id);
    router.replace(`${pathname}?${next.toString()}`, { scroll: false });
  };
  const base = useId();
  return (
    <div>
      <div
        role="tablist"
        className="mb-4 flex gap-1 overflow-x-auto border-b border-slate-200 dark:border-slate-800"
      >
        {tabs.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            id={`${base}-${t.id}-tab`}
            aria-selected={t.id === active}
            aria-controls={`${base}-${t.id}-panel`}
            onClick={() => setActive(t.id)}
            className={`-mb-px border-b-2 px-3 py-2 text-sm font-medium whitespace-nowrap ${t.id === active ? "border-indigo-600 text-indigo-700 dark:text-indigo-300" : "border-transparent text-slate-500 hover:text-slate-800 dark:hover:text-slate-200"}`}
          >
            {t.label}
          </button>
        ))}
      </div>
      {tabs
        .filter((t) => t.id === active)
        .map((t) => (
          <div
            key={t.id}
            role="tabpanel"
            id={`${base}-${t.id}-panel`}
            aria-labelledby={`${base}-${t.id}-tab`}
          >
            {t.content}
          </div>
        ))}
    </div>
  );
}

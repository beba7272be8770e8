"use client";
import Link from "next/link";
import { usePathname } from "next/navigation";

export type Role = "admin" | "operator" | "user";

/** Which roles see which page: operators read everything, users only their profile. */
const LINKS: { href: string; label: string; roles: readonly Role[] }[] = [
  { href: "/", label: "Dashboard", roles: ["admin", "operator"] },
  { href: "/shares", label: "Shares", roles: ["admin", "operator"] },
  { href: "/stores", label: "Stores", roles: ["admin", "operator"] },
  { href: "/adapters", label: "Adapters", roles: ["admin", "operator"] },
  { href: "/users", label: "Users", roles: ["admin", "operator"] },
  { href: "/groups", label: "Groups", roles: ["admin", "operator"] },
  { href: "/audit", label: "Audit log", roles: ["admin", "operator"] },
  { href: "/profile", label: "Profile", roles: ["admin", "operator", "user"] },
];

/** `vertical`: always a column (the drawer); otherwise a column from md up. */
export function Nav({ role, vertical = false }: { role: Role; vertical?: boolean }) {
  const pathname = usePathname();
  const links = LINKS.filter((l) => l.roles.includes(role));
  return (
    <nav aria-label="Main" className="overflow-x-auto px-2 pb-2 md:pb-4">
      <ul className={`flex gap-1 ${vertical ? "flex-col" : "md:flex-col"}`}>
        {links.map((l) => {
          const active = l.href === "/" ? pathname === "/" : pathname.startsWith(l.href);
          return (
            <li key={l.href}>
              <Link
                href={l.href}
                aria-current={active ? "page" : undefined}
                className={`block rounded-md px-3 py-2 text-sm font-medium whitespace-nowrap ${active ? "bg-indigo-50 text-indigo-700 dark:bg-indigo-950 dark:text-indigo-300" : "text-slate-700 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800"}`}
              >
                {l.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}

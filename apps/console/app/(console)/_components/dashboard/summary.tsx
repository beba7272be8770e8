"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import type { ReactNode } from "react";
import { Badge } from "@/components/ui/badge";
import { formatDuration } from "@/lib/format";
import { useTRPC } from "@/lib/trpc";

const SUMMARY_REFRESH_MS = 5_000;

/** A summary card; with `href` the whole card links to that page (the label's link covers it). */
function Stat({
  label,
  href,
  className = "",
  children,
}: {
  label: string;
  href?: string;
  className?: string;
  children: ReactNode;
}) {
  return (
    // biome-ignore lint/a11y/useSemanticElements: a <fieldset> is for form controls; this groups a term and its value.
    <div
      role="group"
      aria-label={label}
      className={`relative min-w-0 rounded-lg border border-slate-200 bg-white p-4 shadow-sm hover:border-indigo-300 dark:border-slate-800 dark:bg-slate-900 ${className}`}
    >
      <dt className="text-xs font-medium tracking-wide text-slate-500 uppercase">
        {href === undefined ? (
          label
        ) : (
          <Link href={href} className="after:absolute after:inset-0 hover:text-indigo-600">
            {label}
          </Link>
        )}
      </dt>
      <dd className="mt-1 text-2xl font-semibold tabular-nums">{children}</dd>
    </div>
  );
}

/**
 * Per protocol: clients listed / the adapter's open connections. An SMB client is its connection;
 * an NFS mount is listed while it was active in the last five minutes (NFSv3 has no session), so
 * the two NFS figures differ only inside that window or when one connection carries several mounts.
 */
function ClientsDetail({
  clients,
  adapters,
}: {
  clients: Array<{ protocol: string }>;
  adapters: Array<{ type: string; status: { connections: number } }>;
}) {
  return (
    <span className="block text-xs font-normal text-slate-500">
      {adapters.map((a) => (
        <span key={a.type} className="block">
          {a.type.toUpperCase()} {clients.filter((c) => c.protocol.startsWith(a.type)).length} ·{" "}
          {a.status.connections} {a.status.connections === 1 ? "connection" : "connections"}
        </span>
      ))}
    </span>
  );
}

export function Summary() {
  const trpc = useTRPC();
  const poll = { refetchInterval: SUMMARY_REFRESH_MS };
  const health = useQuery({ ...trpc.health.ping.queryOptions(), ...poll, retry: false });
  const shares = useQuery({ ...trpc.shares.list.queryOptions(), ...poll });
  const metadata = useQuery({ ...trpc.stores.metadata.list.queryOptions(), ...poll });
  const block = useQuery({ ...trpc.stores.block.list.queryOptions(), ...poll });
  const users = useQuery({ ...trpc.users.list.queryOptions(), ...poll });
  const clients = useQuery({ ...trpc.clients.list.queryOptions(), ...poll });
  const adapters = useQuery({ ...trpc.adapters.list.queryOptions(), ...poll });
  const count = (n: number | undefined) => (n === undefined ? "…" : n);
  const h = health.data;
  return (
    <dl aria-label="Summary" className="grid grid-cols-2 gap-3 md:grid-cols-4 xl:grid-cols-9">
      <Stat label="Health">
        {health.isError ? (
          <Badge tone="red">unreachable</Badge>
        ) : h === undefined ? (
          "…"
        ) : (
          <Badge tone={h.ok ? "green" : "amber"}>{h.ok ? "healthy" : "degraded"}</Badge>
        )}
      </Stat>
      <Stat label="Uptime">
        {h ? formatDuration((Date.now() - new Date(h.startedAt).getTime()) / 1000) : "…"}
      </Stat>
      <Stat label="Version">
        {h ? (
          <>
            <span className="text-base">{h.version}</span>
            <span className="block text-xs font-normal text-slate-500">Node.js {h.node}</span>
          </>
        ) : (
          "…"
        )}
      </Stat>
      {/* Two columns wide, and wrapped only where the name allows it (after a hyphen, as
          `<hostname>-<id>` reads): never inside a word, unless one word alone is wider than the card. */}
      <Stat label="Daemon" className="col-span-2">
        {h ? (
          <span className="block font-mono text-sm [overflow-wrap:break-word] [word-break:normal]">
            {h.daemon.name}
          </span>
        ) : (
          "…"
        )}
      </Stat>
      <Stat label="Shares" href="/shares">
        {count(shares.data?.length)}
      </Stat>
      <Stat label="Stores" href="/stores">
        {metadata.data && block.data ? metadata.data.length + block.data.length : "…"}
      </Stat>
      <Stat label="Users" href="/users">
        {count(users.data?.length)}
      </Stat>
      <Stat label="Connected clients" href="/adapters">
        {count(clients.data?.length)}
        {clients.data && adapters.data ? (
          <ClientsDetail clients={clients.data} adapters={adapters.data} />
        ) : null}
      </Stat>
    </dl>
  );
}

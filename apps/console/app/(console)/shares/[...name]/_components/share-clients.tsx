"use client";
import { useQuery } from "@tanstack/react-query";
import { DataTable } from "@/components/tables/table";
import { Badge } from "@/components/ui/badge";
import { EmptyState } from "@/components/ui/card";
import { Loading } from "@/components/ui/spinner";
import { formatDate } from "@/lib/format";
import { useTRPC } from "@/lib/trpc";

/** How often the connected-clients list refreshes while the tab is open. */
const CLIENTS_REFRESH_MS = 3_000;

export function ShareClients({ name }: { name: string }) {
  const trpc = useTRPC();
  const clients = useQuery({ ...trpc.clients.list.queryOptions(), refetchInterval: CLIENTS_REFRESH_MS });
  if (clients.isPending) return <Loading what="clients" />;
  const rows = (clients.data ?? []).filter((c) => c.share === name);
  if (rows.length === 0) {
    return (
      <EmptyState title="No client is connected to this share">
        Mount it with one of the commands on the Mount tab; connections show up here.
      </EmptyState>
    );
  }
  return (
    <DataTable
      label="Connected clients"
      rows={rows}
      rowKey={(c) => c.id}
      columns={[
        { header: "Protocol", cell: (c) => <Badge tone="indigo">{c.protocol.toUpperCase()}</Badge> },
        { header: "Address", cell: (c) => <span className="font-mono text-xs">{c.address}</span> },
        { header: "User", cell: (c) => c.user ?? "—" },
        { header: "Daemon", cell: (c) => <span className="font-mono text-xs">{c.daemon}</span> },
        { header: "Connected since", cell: (c) => formatDate(c.since) },
      ]}
    />
  );
}

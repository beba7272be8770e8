"use client";
import type { AppRouter } from "@dittofs/daemon/router-types";
import { useQuery } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { useEffect, useState } from "react";
import { AdapterToggle } from "@/components/adapters/adapter-toggle";
import { DataTable } from "@/components/tables/table";
import { Button } from "@/components/ui/button";
import { EmptyState, ErrorBanner } from "@/components/ui/card";
import { Loading } from "@/components/ui/spinner";
import { errorMessage } from "@/lib/errors";
import { formatDuration } from "@/lib/format";
import { useTRPC } from "@/lib/trpc";
import { AdapterSettingsDialog } from "./adapter-settings-dialog";
import { AdapterState, adapterErrorId } from "./adapter-state";

export type Adapter = inferRouterOutputs<AppRouter>["adapters"]["list"][number];

/** Status, port and connection counts refresh this often while the page is open. */
const ADAPTERS_REFRESH_MS = 3_000;

/** Re-renders every second so uptimes count up between refreshes. */
function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(t);
  }, []);
  return now;
}

export function AdaptersView({ canEdit }: { canEdit: boolean }) {
  const trpc = useTRPC();
  const now = useNow();
  // The type, not the row: the dialog opens on the newest data the list has.
  const [editing, setEditing] = useState<string | null>(null);
  const adapters = useQuery({ ...trpc.adapters.list.queryOptions(), refetchInterval: ADAPTERS_REFRESH_MS });
  if (adapters.isPending) return <Loading what="adapters" />;
  if (adapters.isError) return <ErrorBanner>{errorMessage(adapters.error)}</ErrorBanner>;
  const editingRow = adapters.data.find((a) => a.type === editing);
  if (adapters.data.length === 0)
    return (
      <EmptyState title="No adapters">The daemon creates the NFS and SMB adapters on first start.</EmptyState>
    );
  return (
    <>
      <DataTable
        label="Adapters"
        rows={adapters.data}
        rowKey={(a) => a.type}
        columns={[
          {
            header: "Adapter",
            sort: (a) => a.type,
            cell: (a) => <span className="font-medium">{a.type.toUpperCase()}</span>,
          },
          {
            header: "Status",
            sort: (a) => (a.status.running ? "running" : "stopped"),
            cell: (a) => <AdapterState status={a.status} />,
          },
          {
            header: "Port",
            sort: (a) => a.status.port,
            cell: (a) => <span className="font-mono">{a.status.port}</span>,
          },
          {
            header: "Uptime",
            sort: (a) =>
              a.status.running && a.status.since ? now - new Date(a.status.since).getTime() : null,
            cell: (a) =>
              a.status.running && a.status.since
                ? formatDuration((now - new Date(a.status.since).getTime()) / 1000)
                : "—",
          },
          { header: "Connections", sort: (a) => a.status.connections, cell: (a) => a.status.connections },
          {
            header: "Actions",
            className: "text-right whitespace-nowrap",
            cell: (a) => (
              <span className="flex justify-end gap-1">
                <AdapterToggle
                  type={a.type}
                  running={a.status.running}
                  connections={a.status.connections}
                  describedBy={a.status.error ? adapterErrorId(a.type) : undefined}
                />
                {canEdit ? (
                  <Button
                    size="sm"
                    variant="secondary"
                    aria-label={`Settings of ${a.type.toUpperCase()}`}
                    onClick={() => setEditing(a.type)}
                  >
                    Settings
                  </Button>
                ) : null}
              </span>
            ),
          },
        ]}
      />
      {editingRow ? <AdapterSettingsDialog adapter={editingRow} onClose={() => setEditing(null)} /> : null}
    </>
  );
}

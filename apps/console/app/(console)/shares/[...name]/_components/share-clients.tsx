"use client";
import type { AppRouter } from "@dittofs/daemon/router-types";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { useState } from "react";
import { ConfirmDialog } from "@/components/dialogs/confirm-dialog";
import { DataTable } from "@/components/tables/table";
import { trafficColumns } from "@/components/traffic/traffic-tables";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/card";
import { Loading } from "@/components/ui/spinner";
import { useToast } from "@/components/ui/toast";
import { errorMessage } from "@/lib/errors";
import { formatDate } from "@/lib/format";
import { useRates } from "@/lib/traffic";
import { useTRPC } from "@/lib/trpc";

type Client = inferRouterOutputs<AppRouter>["clients"]["list"][number];

/** How often the connected-clients list refreshes while the tab is open. */
const CLIENTS_REFRESH_MS = 3_000;

/**
 * Clients connected to the share. An NFS client is listed while it sent a request in the last
 * five minutes (NFSv3 has no session); an admin can disconnect an SMB session.
 */
export function ShareClients({ name, canEdit }: { name: string; canEdit: boolean }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const toast = useToast();
  const [target, setTarget] = useState<Client | null>(null);
  const clients = useQuery({ ...trpc.clients.list.queryOptions(), refetchInterval: CLIENTS_REFRESH_MS });
  const disconnect = useMutation(
    trpc.clients.disconnect.mutationOptions({
      onSuccess: () => {
        toast.success(`Disconnected ${target?.address ?? "the client"}`);
        setTarget(null);
      },
      onSettled: () => qc.invalidateQueries(trpc.clients.pathFilter()),
    }),
  );
  const rows = (clients.data ?? []).filter((c) => c.share === name);
  const rate = useRates(
    rows.map((c) => ({ key: c.id, totals: c.traffic })),
    clients.dataUpdatedAt,
  );
  if (clients.isPending) return <Loading what="clients" />;
  if (rows.length === 0) {
    return (
      <EmptyState title="No client is connected to this share">
        Mount it with one of the commands on the Mount tab; connections show up here.
      </EmptyState>
    );
  }
  return (
    <>
      <DataTable
        label="Connected clients"
        rows={rows}
        rowKey={(c) => c.id}
        columns={[
          {
            header: "Protocol",
            sort: (c) => c.protocol,
            cell: (c) => <Badge tone="indigo">{c.protocol.toUpperCase()}</Badge>,
          },
          {
            header: "Address",
            sort: (c) => c.address,
            cell: (c) => <span className="font-mono text-xs">{c.address}</span>,
          },
          { header: "User", sort: (c) => c.user, cell: (c) => c.user ?? "—" },
          {
            header: "Daemon",
            sort: (c) => c.daemon,
            cell: (c) => <span className="font-mono text-xs">{c.daemon}</span>,
          },
          {
            header: "Connected since",
            sort: (c) => new Date(c.since).getTime(),
            cell: (c) => formatDate(c.since),
          },
          {
            header: "Last active",
            sort: (c) => new Date(c.lastActive).getTime(),
            cell: (c) => formatDate(c.lastActive),
          },
          ...trafficColumns(
            (c: Client) => c.traffic,
            (c: Client) => rate(c.id),
          ),
          ...(canEdit
            ? [
                {
                  header: "Actions",
                  className: "text-right whitespace-nowrap",
                  cell: (c: Client) =>
                    c.disconnectable ? (
                      <Button
                        size="sm"
                        variant="secondary"
                        aria-label={`Disconnect ${c.address}`}
                        onClick={() => setTarget(c)}
                      >
                        Disconnect
                      </Button>
                    ) : null,
                },
              ]
            : []),
        ]}
      />
      <ConfirmDialog
        open={target !== null}
        title={`Disconnect ${target?.address ?? ""}?`}
        confirmLabel="Disconnect"
        busy={disconnect.isPending}
        error={disconnect.error ? errorMessage(disconnect.error) : undefined}
        onClose={() => {
          disconnect.reset();
          setTarget(null);
        }}
        onConfirm={() => target !== null && disconnect.mutate({ id: target.id })}
      >
        <p>
          The connection is closed now and its open files are closed as after a network drop. The client may
          reconnect by itself.
        </p>
      </ConfirmDialog>
    </>
  );
}

"use client";
import { useQuery } from "@tanstack/react-query";
import {
  ClientTrafficTable,
  ShareTrafficTable,
  TRAFFIC_REFRESH_MS,
} from "@/components/traffic/traffic-tables";
import { useTRPC } from "@/lib/trpc";

/** Per-share and per-client READ/WRITE throughput: rates between polls, totals since start. */
export function Traffic() {
  const trpc = useTRPC();
  const clients = useQuery({ ...trpc.clients.list.queryOptions(), refetchInterval: TRAFFIC_REFRESH_MS });
  return (
    <section aria-labelledby="traffic" className="space-y-3">
      <h2 id="traffic" className="text-lg font-semibold">
        Traffic
      </h2>
      <ShareTrafficTable />
      {clients.data && clients.data.length > 0 ? (
        <ClientTrafficTable label="Traffic by client" clients={clients.data} at={clients.dataUpdatedAt} />
      ) : null}
    </section>
  );
}

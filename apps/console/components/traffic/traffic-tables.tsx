"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { DataTable } from "@/components/tables/table";
import { Badge } from "@/components/ui/badge";
import { shareHref } from "@/lib/share-path";
import { rateText, type TrafficRate, type TrafficTotals, totalText, useRates } from "@/lib/traffic";
import { useTRPC } from "@/lib/trpc";

/** Totals are polled this often; rates are the difference between two polls. */
export const TRAFFIC_REFRESH_MS = 2_000;

/** The daemon's per-share totals (metrics.snapshot) with a rate per share. */
function useShareTraffic() {
  const trpc = useTRPC();
  const snapshot = useQuery({ ...trpc.metrics.snapshot.queryOptions(), refetchInterval: TRAFFIC_REFRESH_MS });
  const shares = snapshot.data?.shares ?? [];
  const rate = useRates(
    shares.map((s) => ({ key: s.share, totals: s })),
    snapshot.dataUpdatedAt,
  );
  return { shares, rate, isPending: snapshot.isPending };
}

/** The four traffic columns every traffic table shares: rates first, then the totals. */
export function trafficColumns<T>(totals: (row: T) => TrafficTotals, rate: (row: T) => TrafficRate | null) {
  return [
    {
      header: "Read rate",
      sort: (r: T) => rate(r)?.readPerSecond,
      cell: (r: T) => {
        const x = rate(r);
        return x === null ? "—" : rateText(x.readPerSecond);
      },
    },
    {
      header: "Write rate",
      sort: (r: T) => rate(r)?.writePerSecond,
      cell: (r: T) => {
        const x = rate(r);
        return x === null ? "—" : rateText(x.writePerSecond);
      },
    },
    {
      header: "Read",
      sort: (r: T) => totals(r).readBytes,
      cell: (r: T) => totalText(totals(r).readBytes, totals(r).reads, "read"),
    },
    {
      header: "Written",
      sort: (r: T) => totals(r).writtenBytes,
      cell: (r: T) => totalText(totals(r).writtenBytes, totals(r).writes, "write"),
    },
  ];
}

/** Dashboard: what each share moved since the daemon started, and how fast now. */
export function ShareTrafficTable() {
  const { shares, rate, isPending } = useShareTraffic();
  if (isPending) return null;
  if (shares.length === 0) {
    return <p className="text-sm text-slate-500">No share was read or written since the daemon started.</p>;
  }
  return (
    <DataTable
      label="Traffic by share"
      rows={shares}
      rowKey={(s) => s.share}
      initialSort={{ column: "Written", direction: "descending" }}
      columns={[
        {
          header: "Share",
          sort: (s) => s.share,
          cell: (s) => (
            <Link
              href={shareHref(s.share)}
              className="font-medium text-indigo-700 hover:underline dark:text-indigo-300"
            >
              {s.share}
            </Link>
          ),
        },
        ...trafficColumns<(typeof shares)[number]>(
          (s) => s,
          (s) => rate(s.share),
        ),
      ]}
    />
  );
}

type Client = {
  id: string;
  protocol: string;
  address: string;
  share: string | null;
  user: string | null;
  traffic: TrafficTotals;
};

/** Per connected client: its totals since it connected and its rate (`clients.list` polled by the caller). */
export function ClientTrafficTable({ clients, at, label }: { clients: Client[]; at: number; label: string }) {
  const rate = useRates(
    clients.map((c) => ({ key: c.id, totals: c.traffic })),
    at,
  );
  return (
    <DataTable
      label={label}
      rows={clients}
      rowKey={(c) => c.id}
      columns={[
        {
          header: "Client",
          sort: (c) => c.address,
          cell: (c) => (
            <span className="flex flex-wrap items-center gap-1">
              <Badge tone="indigo">{c.protocol.toUpperCase()}</Badge>
              <span className="font-mono text-xs">{c.address}</span>
            </span>
          ),
        },
        { header: "Share", sort: (c) => c.share, cell: (c) => c.share ?? "—" },
        { header: "User", sort: (c) => c.user, cell: (c) => c.user ?? "—" },
        ...trafficColumns<Client>(
          (c) => c.traffic,
          (c) => rate(c.id),
        ),
      ]}
    />
  );
}

/** A share page's figures: totals since start and the rate between the last two polls. */
export function ShareTrafficSummary({ name }: { name: string }) {
  const { shares, rate } = useShareTraffic();
  const t = shares.find((s) => s.share === name);
  const r = rate(name);
  const item = (label: string, value: string) => (
    <div className="min-w-0">
      <dt className="text-xs font-medium tracking-wide text-slate-500 uppercase">{label}</dt>
      <dd className="font-medium tabular-nums">{value}</dd>
    </div>
  );
  return (
    <dl
      aria-label={`Traffic of ${name}`}
      className="mb-4 grid grid-cols-2 gap-3 rounded-lg border border-slate-200 bg-white p-3 text-sm sm:grid-cols-4 dark:border-slate-800 dark:bg-slate-900"
    >
      {item("Read rate", r === null ? "—" : rateText(r.readPerSecond))}
      {item("Write rate", r === null ? "—" : rateText(r.writePerSecond))}
      {item("Read since start", totalText(t?.readBytes ?? 0, t?.reads ?? 0, "read"))}
      {item("Written since start", totalText(t?.writtenBytes ?? 0, t?.writes ?? 0, "write"))}
    </dl>
  );
}

"use client";
import { METRICS_RANGES_SECONDS } from "@dittofs/shared";
import { useQuery } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { useEffect, useState } from "react";
import { formatDate } from "@/lib/format";
import { backoffMs } from "@/lib/reachability";
import { useTRPC } from "@/lib/trpc";
import { chartSpecs } from "./chart-specs";
import { LiveChart } from "./live-chart";
import { busiestShares, SNAPSHOTS_KEPT_MAX, type Snapshot, toPoints } from "./series";

type Range = "live" | (typeof METRICS_RANGES_SECONDS)[number];

/** A longer range re-reads the daemon's history this often. */
const HISTORY_REFRESH_MS = 10_000;
/** Shares drawn on the throughput chart (the busiest in the range shown; the Traffic table has them all). */
const CHART_SHARES_MAX = 6;

function rangeLabel(seconds: number): string {
  return seconds >= 3600 ? `${seconds / 3600} h` : `${seconds / 60} min`;
}

/** The stream's samples after the daemon's earlier ones (those older than the first streamed). */
function withEarlier(earlier: readonly Snapshot[], streamed: readonly Snapshot[]): Snapshot[] {
  const first = streamed[0] ? new Date(streamed[0].timestamp).getTime() : Number.POSITIVE_INFINITY;
  const before = earlier.filter((s) => new Date(s.timestamp).getTime() < first);
  return [...before, ...streamed].slice(-SNAPSHOTS_KEPT_MAX);
}

/** Live charts over metrics.live (one snapshot a second through the console's SSE proxy). */
export function LiveCharts() {
  const trpc = useTRPC();
  const [snapshots, setSnapshots] = useState<Snapshot[]>([]);
  const [attempt, setAttempt] = useState(0);
  const live = useSubscription(
    trpc.metrics.live.subscriptionOptions(undefined, {
      onData: (data) => {
        const snap = (
          typeof data === "object" && data !== null && "data" in data ? data.data : data
        ) as Snapshot;
        setSnapshots((s) => [...s.slice(-(SNAPSHOTS_KEPT_MAX - 1)), snap]);
        setAttempt(0);
      },
    }),
  );
  // An EventSource gives up for good on a non-SSE answer (the proxy's 502 while the daemon is
  // down), so the stream is restarted here with growing pauses until samples flow again.
  const failed = live.status === "error";
  const { reset } = live;
  useEffect(() => {
    if (!failed) return;
    const timer = setTimeout(() => {
      setAttempt((a) => a + 1);
      reset();
    }, backoffMs(attempt));
    return () => clearTimeout(timer);
  }, [failed, attempt, reset]);
  // The daemon keeps history: the live view starts with the last two minutes from before this page
  // was opened, and the picker shows longer ranges from there.
  const [range, setRange] = useState<Range>("live");
  const recent = useQuery({
    ...trpc.metrics.history.queryOptions({ rangeSeconds: 120 }),
    staleTime: Infinity,
  });
  const history = useQuery({
    ...trpc.metrics.history.queryOptions({ rangeSeconds: range === "live" ? 60 : range }),
    enabled: range !== "live",
    refetchInterval: HISTORY_REFRESH_MS,
  });
  const shown =
    range === "live" ? withEarlier(recent.data ?? [], snapshots) : ((history.data ?? []) as Snapshot[]);
  const points = toPoints(shown);
  const latest = shown.at(-1);
  const adapterTypes = latest?.adapters.map((a) => a.type) ?? [];
  const walHint =
    latest && latest.wal === null
      ? "The write-ahead log is disabled in this configuration."
      : "Writes append WAL records; COMMIT/FLUSH fsync them.";
  return (
    <section aria-labelledby="live-metrics" className="space-y-3">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 id="live-metrics" className="text-lg font-semibold">
          Live metrics
        </h2>
        <label className="flex items-center gap-2 text-sm">
          <span className="text-slate-500">Time range</span>
          <select
            aria-label="Time range"
            value={String(range)}
            onChange={(e) => setRange(e.target.value === "live" ? "live" : (Number(e.target.value) as Range))}
            className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-700 dark:bg-slate-900"
          >
            <option value="live">Live (last 2 minutes)</option>
            {METRICS_RANGES_SECONDS.map((r) => (
              <option key={r} value={r}>
                Last {rangeLabel(r)}
              </option>
            ))}
          </select>
        </label>
        <p
          className="w-full text-xs text-slate-500"
          role="status"
          aria-label="Live metrics status"
          data-oldest={shown[0] ? new Date(shown[0].timestamp).getTime() : undefined}
        >
          {range !== "live" && history.isPending ? "Loading the daemon's history…" : null}
          {range !== "live" && !history.isPending
            ? `${shown.length} ${shown.length === 1 ? "sample" : "samples"} over the last ${rangeLabel(range)}${latest ? ` from ${latest.daemon.name}` : ""} · ${shown.length > 1 && range > 3600 ? "one per 10 s" : "one per second"}, thinned to at most 720`
            : null}
          {range === "live" && failed
            ? `Live stream interrupted${live.error?.message ? ` (${live.error.message})` : ""} — reconnecting in ${Math.round(backoffMs(attempt) / 1000)} s`
            : null}
          {range === "live" && !failed && latest === undefined ? "Waiting for the first sample…" : null}
          {range === "live" && !failed && latest !== undefined
            ? `${snapshots.length} ${snapshots.length === 1 ? "sample" : "samples"} from ${latest.daemon.name} · last at ${formatDate(latest.timestamp)}`
            : null}
        </p>
      </div>
      <div className="grid gap-4 lg:grid-cols-2">
        {chartSpecs(adapterTypes, walHint, busiestShares(shown, CHART_SHARES_MAX)).map((c) => (
          <LiveChart
            key={c.title}
            title={c.title}
            unit={c.unit}
            points={points}
            emptyHint={c.hint}
            series={c.series}
          />
        ))}
      </div>
    </section>
  );
}

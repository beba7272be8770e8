"use client";
import { useSubscription } from "@trpc/tanstack-react-query";
import { useEffect, useState } from "react";
import { formatDate } from "@/lib/format";
import { backoffMs } from "@/lib/reachability";
import { useTRPC } from "@/lib/trpc";
import { LiveChart } from "./live-chart";
import { SNAPSHOTS_KEPT_MAX, type Snapshot, toPoints } from "./series";

const COLORS = ["#6366f1", "#f59e0b", "#10b981", "#ef4444", "#0ea5e9", "#a855f7"];

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
  const points = toPoints(snapshots);
  const latest = snapshots.at(-1);
  const adapterTypes = latest?.adapters.map((a) => a.type) ?? [];
  return (
    <section aria-labelledby="live-metrics" className="space-y-3">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 id="live-metrics" className="text-lg font-semibold">
          Live metrics
        </h2>
        <p className="text-xs text-slate-500" role="status" aria-label="Live metrics status">
          {failed
            ? `Live stream interrupted${live.error?.message ? ` (${live.error.message})` : ""} — reconnecting in ${Math.round(backoffMs(attempt) / 1000)} s`
            : null}
          {live.status !== "error" && latest === undefined ? "Waiting for the first sample…" : null}
          {live.status !== "error" && latest !== undefined
            ? `${snapshots.length} ${snapshots.length === 1 ? "sample" : "samples"} from ${latest.daemon.name} · last at ${formatDate(latest.timestamp)}`
            : null}
        </p>
      </div>
      <div className="grid gap-4 lg:grid-cols-2">
        <LiveChart
          title="Cache"
          unit="MiB"
          points={points}
          emptyHint="The cache fills when clients write or read files."
          series={[
            { key: "cacheClean", label: "clean", color: COLORS[0]! },
            { key: "cacheDirty", label: "dirty", color: COLORS[1]! },
            { key: "cacheUploading", label: "uploading", color: COLORS[2]! },
          ]}
        />
        <LiveChart
          title="Cache hit ratio and evictions"
          unit=""
          points={points}
          emptyHint="Hit ratio appears after the first read; evictions when clean data is pushed out."
          series={[
            { key: "hitRatio", label: "hit %", color: COLORS[0]! },
            { key: "evictions", label: "evictions/s", color: COLORS[3]! },
          ]}
        />
        <LiveChart
          title="WAL"
          unit=""
          points={points}
          emptyHint={
            latest && latest.wal === null
              ? "The write-ahead log is disabled in this configuration."
              : "Writes append WAL records; COMMIT/FLUSH fsync them."
          }
          series={[
            { key: "walMiB", label: "MiB", color: COLORS[0]! },
            { key: "walRecords", label: "records/s", color: COLORS[1]! },
            { key: "walFsyncs", label: "fsyncs/s", color: COLORS[2]! },
            { key: "walP50", label: "fsync p50 ms", color: COLORS[4]! },
            { key: "walP99", label: "fsync p99 ms", color: COLORS[3]! },
          ]}
        />
        <LiveChart
          title="Transfers"
          unit=""
          points={points}
          emptyHint="Blocks are uploaded to and downloaded from the block stores as files are written and read."
          series={[
            { key: "upMiBs", label: "up MiB/s", color: COLORS[0]! },
            { key: "downMiBs", label: "down MiB/s", color: COLORS[2]! },
            { key: "queueDepth", label: "queued", color: COLORS[1]! },
            { key: "uploadsInFlight", label: "uploads", color: COLORS[4]! },
            { key: "downloadsInFlight", label: "downloads", color: COLORS[5]! },
            { key: "failures", label: "failures/s", color: COLORS[3]! },
          ]}
        />
        <LiveChart
          title="Protocol operations"
          unit="ops/s"
          points={points}
          emptyHint="Operations per second appear once a client talks NFS or SMB."
          series={adapterTypes.map((t, i) => ({
            key: `${t}Ops`,
            label: t.toUpperCase(),
            color: COLORS[i % COLORS.length]!,
          }))}
        />
        <LiveChart
          title="Protocol latency"
          unit="ms"
          points={points}
          emptyHint="Latency appears once a client talks NFS or SMB."
          series={adapterTypes.flatMap((t, i) => [
            { key: `${t}P50`, label: `${t.toUpperCase()} p50`, color: COLORS[(2 * i) % COLORS.length]! },
            { key: `${t}P99`, label: `${t.toUpperCase()} p99`, color: COLORS[(2 * i + 1) % COLORS.length]! },
          ])}
        />
      </div>
    </section>
  );
}

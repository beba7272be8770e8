/**
 * The dashboard's charts as data: each in one unit (named on its y axis), so a chart never mixes
 * MiB, ms and per-second rates. Keys are the point fields of series.ts.
 */
import type { Series } from "./live-chart";
import { shareKey } from "./series";

const COLORS = ["#6366f1", "#f59e0b", "#10b981", "#ef4444", "#0ea5e9", "#a855f7"];

export interface ChartSpec {
  title: string;
  unit: string;
  hint: string;
  series: Series[];
}

const s = (key: string, label: string, color: number): Series => ({ key, label, color: COLORS[color]! });

export function chartSpecs(
  adapterTypes: readonly string[],
  walHint: string,
  shares: readonly string[] = [],
): ChartSpec[] {
  const transfers =
    "Blocks are uploaded to and downloaded from the block stores as files are written and read.";
  return [
    {
      title: "Cache",
      unit: "MiB",
      hint: "The cache fills when clients write or read files.",
      series: [s("cacheClean", "clean", 0), s("cacheDirty", "dirty", 1), s("cacheUploading", "uploading", 2)],
    },
    {
      title: "Cache hit ratio",
      unit: "%",
      hint: "The hit ratio appears after the first read.",
      series: [s("hitRatio", "hits", 0)],
    },
    {
      title: "Cache evictions",
      unit: "/s",
      hint: "Evictions appear when clean data is pushed out of a full cache.",
      series: [s("evictions", "evictions", 3)],
    },
    { title: "WAL size", unit: "MiB", hint: walHint, series: [s("walMiB", "size", 0)] },
    {
      title: "WAL writes",
      unit: "/s",
      hint: walHint,
      series: [s("walRecords", "records", 1), s("walFsyncs", "fsyncs", 2)],
    },
    {
      title: "WAL fsync latency",
      unit: "ms",
      hint: walHint,
      series: [s("walP50", "p50", 4), s("walP99", "p99", 3)],
    },
    {
      title: "Transfer throughput",
      unit: "MiB/s",
      hint: transfers,
      series: [s("upMiBs", "up", 0), s("downMiBs", "down", 2)],
    },
    {
      title: "Transfer queue",
      unit: "blocks",
      hint: "Blocks waiting for or in transfer to the block stores.",
      series: [
        s("queueDepth", "queued", 1),
        s("uploadsInFlight", "uploading", 4),
        s("downloadsInFlight", "downloading", 5),
      ],
    },
    {
      title: "Transfer failures",
      unit: "/s",
      hint: "Failed block-store calls (they are retried).",
      series: [s("failures", "failures", 3)],
    },
    {
      title: "Share throughput",
      unit: "MiB/s",
      hint: "Bytes read and written per share appear once a client reads or writes a file.",
      series: shares.map((name, i) => s(shareKey(name), name, i % COLORS.length)),
    },
    {
      title: "Protocol operations",
      unit: "ops/s",
      hint: "Operations per second appear once a client talks NFS or SMB.",
      series: adapterTypes.map((t, i) => s(`${t}Ops`, t.toUpperCase(), i % COLORS.length)),
    },
    {
      title: "Protocol latency (last minute)",
      unit: "ms",
      hint: "p50 and p99 of the calls in the last minute, once a client talks NFS or SMB.",
      series: adapterTypes.flatMap((t, i) => [
        s(`${t}P50`, `${t.toUpperCase()} p50`, (2 * i) % COLORS.length),
        s(`${t}P99`, `${t.toUpperCase()} p99`, (2 * i + 1) % COLORS.length),
      ]),
    },
  ];
}

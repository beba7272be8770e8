"use client";
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { Card } from "@/components/ui/card";
import { isEmpty, type Point } from "./series";

export interface Series {
  key: string;
  label: string;
  color: string;
}

const AXIS = { fontSize: 11, fill: "currentColor" };

/**
 * One live chart in one unit, named on its y axis (a chart never mixes MiB, ms and /s); the x axis
 * is time before the newest sample. Before any series has a value it shows "No data yet" and why,
 * instead of a flat line that would read as a measured zero.
 */
export function LiveChart({
  title,
  unit,
  points,
  series,
  emptyHint,
}: {
  title: string;
  unit: string;
  points: Point[];
  series: Series[];
  emptyHint: string;
}) {
  const empty = isEmpty(
    points,
    series.map((s) => s.key),
  );
  const latest = points.at(-1);
  return (
    <Card title={title} className="min-w-0">
      <figure
        aria-label={`${title} chart`}
        data-samples={points.length}
        data-empty={empty}
        data-unit={unit}
        className="relative m-0 h-48 text-slate-500"
      >
        {empty ? (
          <div className="flex h-full flex-col items-center justify-center text-center text-sm">
            <p className="font-medium text-slate-600 dark:text-slate-300">No data yet</p>
            <p className="mt-1 max-w-xs text-xs">{emptyHint}</p>
          </div>
        ) : (
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={points} margin={{ top: 4, right: 8, bottom: 12, left: 4 }}>
              <CartesianGrid strokeDasharray="3 3" strokeOpacity={0.3} />
              <XAxis
                dataKey="t"
                type="number"
                domain={["dataMin", 0]}
                tick={AXIS}
                tickFormatter={ago}
                label={{ value: "time before now", position: "insideBottom", offset: -10, ...AXIS }}
              />
              <YAxis
                tick={AXIS}
                width={48}
                tickFormatter={(v: number) => compact(v)}
                label={{ value: unit, angle: -90, position: "insideLeft", ...AXIS }}
              />
              <Tooltip
                formatter={(v) => (typeof v === "number" ? `${compact(v)} ${unit}` : String(v))}
                labelFormatter={(t) => (typeof t === "number" ? `${ago(t)} ago` : String(t))}
                contentStyle={{ fontSize: 12 }}
              />
              <Legend wrapperStyle={{ fontSize: 11, paddingTop: 8 }} />
              {series.map((s) => (
                <Line
                  key={s.key}
                  dataKey={s.key}
                  name={s.label}
                  stroke={s.color}
                  dot={false}
                  isAnimationActive={false}
                  connectNulls
                  strokeWidth={1.5}
                />
              ))}
            </LineChart>
          </ResponsiveContainer>
        )}
      </figure>
      {latest && !empty ? (
        <dl className="mt-2 flex flex-wrap gap-x-4 gap-y-1 text-xs">
          {series.map((s) => (
            <div key={s.key} className="flex gap-1">
              <dt className="text-slate-500">{s.label}</dt>
              <dd className="font-medium tabular-nums">
                {latest[s.key] === null || latest[s.key] === undefined
                  ? "—"
                  : `${compact(latest[s.key] as number)} ${unit}`}
              </dd>
            </div>
          ))}
        </dl>
      ) : null}
    </Card>
  );
}

/** Seconds before the newest sample as a short axis label: "-45s", "-12m", "-3.5h". */
function ago(t: number): string {
  const abs = Math.abs(t);
  if (abs >= 3600) return `${(t / 3600).toFixed(abs >= 36_000 ? 0 : 1)}h`;
  if (abs >= 120) return `${Math.round(t / 60)}m`;
  return `${t}s`;
}

function compact(v: number): string {
  if (v === 0) return "0";
  const abs = Math.abs(v);
  if (abs >= 1000) return v.toLocaleString(undefined, { maximumFractionDigits: 0 });
  if (abs >= 10) return v.toFixed(1);
  if (abs >= 0.01) return v.toFixed(2);
  return v.toExponential(1);
}

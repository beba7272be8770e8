"use client";
import { useQuery } from "@tanstack/react-query";
import { AdapterToggle } from "@/components/adapters/adapter-toggle";
import { Card } from "@/components/ui/card";
import { Loading } from "@/components/ui/spinner";
import { useTRPC } from "@/lib/trpc";

const ADAPTERS_REFRESH_MS = 3_000;

export function AdapterChips() {
  const trpc = useTRPC();
  const adapters = useQuery({ ...trpc.adapters.list.queryOptions(), refetchInterval: ADAPTERS_REFRESH_MS });
  return (
    <Card title="Adapters">
      {adapters.isPending ? <Loading what="adapters" /> : null}
      {adapters.data?.length === 0 ? <p className="text-sm text-slate-500">No adapters configured.</p> : null}
      <ul className="flex flex-wrap gap-3">
        {(adapters.data ?? []).map((a) => (
          <li
            key={a.type}
            aria-label={`${a.type.toUpperCase()} adapter`}
            className={`flex items-center gap-3 rounded-full border py-1 pr-1 pl-3 text-sm ${a.status.running ? "border-emerald-300 bg-emerald-50 dark:border-emerald-900 dark:bg-emerald-950" : "border-rose-300 bg-rose-50 dark:border-rose-900 dark:bg-rose-950"}`}
          >
            <span
              className={`h-2 w-2 rounded-full ${a.status.running ? "bg-emerald-500" : "bg-rose-500"}`}
              aria-hidden
            />
            <span className="font-medium">{a.type.toUpperCase()}</span>
            <span className="text-slate-600 dark:text-slate-300">
              {a.status.running
                ? `running on :${a.status.port}`
                : a.status.error
                  ? `failed to start: ${a.status.error.message}`
                  : "stopped"}{" "}
              · {a.status.connections} conn.
            </span>
            <AdapterToggle type={a.type} running={a.status.running} connections={a.status.connections} />
          </li>
        ))}
      </ul>
    </Card>
  );
}

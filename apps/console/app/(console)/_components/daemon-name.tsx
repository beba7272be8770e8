"use client";
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc";

/** A daemon's identity only changes with a restart under another name: refetch rarely. */
const DAEMON_INFO_STALE_MS = 60_000;

/**
 * Which daemon this console is talking to. With several daemons serving the same shares (each
 * with its own console or behind one address), the header says whose state the pages show.
 */
export function DaemonName() {
  const trpc = useTRPC();
  const info = useQuery({ ...trpc.system.info.queryOptions(), staleTime: DAEMON_INFO_STALE_MS });
  if (info.data === undefined) return null;
  const { name, hostname } = info.data.daemon;
  return (
    <span
      className="mr-auto hidden min-w-0 truncate text-slate-600 sm:inline dark:text-slate-300"
      title={`host ${hostname}`}
    >
      Daemon <strong className="font-mono">{name}</strong>
    </span>
  );
}

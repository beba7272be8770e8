"use client";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type ReactNode, useEffect, useRef, useState } from "react";
import { formatDate } from "@/lib/format";
import { useTRPC } from "@/lib/trpc";

/** How often an open page checks that the daemon still answers. */
const HEARTBEAT_MS = 3000;

/**
 * Open pages keep what they last loaded when the daemon stops answering: this says so in a banner,
 * marks the page's content stale (dimmed, `data-stale`), and refreshes every query once the
 * daemon is back, so nothing keeps showing "running" from before the outage as if it were current.
 */
export function StaleWhileUnreachable({ children }: { children: ReactNode }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const ping = useQuery({
    ...trpc.health.ping.queryOptions(),
    refetchInterval: HEARTBEAT_MS,
    refetchIntervalInBackground: false,
    retry: false,
    staleTime: 0,
  });
  const [since, setSince] = useState<Date | null>(null);
  const down = ping.isError;
  const wasDown = useRef(false);
  useEffect(() => {
    if (down && !wasDown.current) setSince(new Date());
    if (!down && wasDown.current) {
      setSince(null);
      void qc.invalidateQueries();
    }
    wasDown.current = down;
  }, [down, qc]);
  return (
    <>
      {down ? (
        <div
          role="alert"
          className="mb-4 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-200"
        >
          <strong>The daemon is unreachable</strong>
          {since ? ` since ${formatDate(since)}` : ""}. What this page shows is from before then and may be
          stale; it refreshes by itself when the daemon answers again.
        </div>
      ) : null}
      <div
        data-stale={down ? "true" : "false"}
        className={down ? "opacity-60 transition-opacity" : undefined}
      >
        {children}
      </div>
    </>
  );
}

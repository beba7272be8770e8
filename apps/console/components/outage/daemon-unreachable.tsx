"use client";
import { useCallback, useEffect, useState } from "react";
import { Button } from "@/components/ui/button";
import { backoffMs } from "@/lib/reachability";

/** How long one probe of the daemon (through the console's proxy) may take. */
const PROBE_TIMEOUT_MS = 4000;

async function daemonAnswers(): Promise<boolean> {
  try {
    const res = await fetch("/api/trpc/health.ping", {
      cache: "no-store",
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
    return res.ok;
  } catch {
    return false;
  }
}

/**
 * The console's own page for a daemon that does not answer: it probes the daemon with growing
 * pauses and reloads the page by itself once it answers, instead of Next's generic crash page.
 */
export function DaemonUnreachable({ detail }: { detail?: string | undefined }) {
  const [attempt, setAttempt] = useState(0);
  const [nextAt, setNextAt] = useState(() => Date.now() + backoffMs(0));
  const [now, setNow] = useState(() => Date.now());
  const [probing, setProbing] = useState(false);

  const probe = useCallback(async () => {
    setProbing(true);
    if (await daemonAnswers()) {
      window.location.reload();
      return;
    }
    setProbing(false);
    setAttempt((a) => a + 1);
  }, []);

  useEffect(() => setNextAt(Date.now() + backoffMs(attempt)), [attempt]);
  useEffect(() => {
    const tick = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(tick);
  }, []);
  useEffect(() => {
    if (!probing && now >= nextAt) void probe();
  }, [now, nextAt, probing, probe]);

  const seconds = Math.max(0, Math.ceil((nextAt - now) / 1000));
  return (
    <main className="flex min-h-screen items-center justify-center p-4">
      <section
        aria-labelledby="unreachable-title"
        className="w-full max-w-lg space-y-4 rounded-lg border border-amber-300 bg-white p-6 shadow-sm dark:border-amber-700 dark:bg-slate-900"
      >
        <h1 id="unreachable-title" className="text-xl font-semibold">
          The DittoFS daemon is unreachable
        </h1>
        <p className="text-sm text-slate-600 dark:text-slate-300">
          The console is running, but the daemon it manages does not answer. It may be stopped or restarting.
          This page reloads by itself as soon as the daemon answers again.
        </p>
        {detail ? <p className="text-xs break-words text-slate-500">{detail}</p> : null}
        <p role="status" aria-label="Reconnect status" className="text-sm">
          {probing ? "Checking the daemon…" : `Attempt ${attempt + 1}: checking again in ${seconds} s.`}
        </p>
        <Button onClick={() => void probe()} busy={probing}>
          Retry now
        </Button>
      </section>
    </main>
  );
}

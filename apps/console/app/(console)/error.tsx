"use client";
import { Button } from "@/components/ui/button";
import { ErrorBanner } from "@/components/ui/card";

/**
 * A page that failed to render. In production Next hides server error messages, and the usual
 * cause is a daemon that is down or restarting, so say that and offer a retry.
 */
export default function ConsoleError({
  error,
  reset,
}: {
  error: Error & { digest?: string };
  reset: () => void;
}) {
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-semibold tracking-tight">This page could not be loaded</h1>
      <ErrorBanner>
        The console could not get an answer from the DittoFS daemon. If it is stopped or restarting, start it
        and retry.
        {error.digest ? (
          <span className="mt-1 block text-xs opacity-70">Error reference: {error.digest}</span>
        ) : null}
      </ErrorBanner>
      <Button onClick={reset}>Retry</Button>
    </div>
  );
}

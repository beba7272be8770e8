"use client";
import { blockStoreTestInput } from "@dittofs/shared";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { errorMessage } from "@/lib/errors";
import { formatNumber } from "@/lib/format";
import { useTRPC } from "@/lib/trpc";

/** Probes a block store config before it is saved (a throwaway store opened by the daemon). */
export function TestConnection({ type, config }: { type: string; config: Record<string, unknown> }) {
  const trpc = useTRPC();
  const [invalid, setInvalid] = useState<string | null>(null);
  const test = useMutation(trpc.stores.block.testConnection.mutationOptions());
  const result = test.data;
  return (
    <div className="flex flex-wrap items-center gap-3 rounded-md bg-slate-50 p-3 dark:bg-slate-950">
      <Button
        variant="secondary"
        busy={test.isPending}
        onClick={() => {
          const parsed = blockStoreTestInput.safeParse({ type, config });
          if (!parsed.success) {
            test.reset();
            return setInvalid(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
          }
          setInvalid(null);
          test.mutate(parsed.data);
        }}
      >
        Test connection
      </Button>
      <p role="status" className="text-sm">
        {invalid !== null ? (
          <span className="text-rose-600 dark:text-rose-400">Fix the form first — {invalid}</span>
        ) : null}
        {test.isError ? (
          <span className="text-rose-600 dark:text-rose-400">Test failed: {errorMessage(test.error)}</span>
        ) : null}
        {result?.ok ? (
          <span className="text-emerald-700 dark:text-emerald-400">
            Connection OK ({formatNumber(result.latencyMs)} ms)
          </span>
        ) : null}
        {result && !result.ok ? (
          <span className="text-rose-600 dark:text-rose-400">
            Connection failed{result.detail ? `: ${result.detail}` : ""}
          </span>
        ) : null}
      </p>
    </div>
  );
}

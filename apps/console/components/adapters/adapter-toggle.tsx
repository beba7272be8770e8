"use client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ConfirmDialog } from "@/components/dialogs/confirm-dialog";
import { Button } from "@/components/ui/button";
import { useToast } from "@/components/ui/toast";
import { errorMessage } from "@/lib/errors";
import { useTRPC } from "@/lib/trpc";

/**
 * Start/stop one adapter. Not optimistic: the label follows the state the daemon reports after
 * the call, so a start that fails (port taken) keeps showing "Start".
 */
export function AdapterToggle({
  type,
  running,
  connections,
  size = "sm",
  describedBy,
}: {
  type: string;
  running: boolean;
  /** Connections the stop would drop, for the confirmation. */
  connections?: number | undefined;
  size?: "sm" | "md";
  /** Id of the text saying why the last start failed, read out with the Start button. */
  describedBy?: string | undefined;
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const toast = useToast();
  const settled = () =>
    Promise.all([
      qc.invalidateQueries(trpc.adapters.pathFilter()),
      qc.invalidateQueries(trpc.metrics.pathFilter()),
    ]);
  const start = useMutation(
    trpc.adapters.start.mutationOptions({
      onSuccess: () => toast.success(`${type.toUpperCase()} adapter started`),
      onError: (e) => toast.error(`Could not start ${type.toUpperCase()}: ${errorMessage(e)}`),
      onSettled: settled,
    }),
  );
  const stop = useMutation(
    trpc.adapters.stop.mutationOptions({
      onSuccess: () => toast.success(`${type.toUpperCase()} adapter stopped`),
      onError: (e) => toast.error(`Could not stop ${type.toUpperCase()}: ${errorMessage(e)}`),
      onSettled: settled,
    }),
  );
  const busy = start.isPending || stop.isPending;
  const [confirming, setConfirming] = useState(false);
  const label = type.toUpperCase();
  return running ? (
    <>
      <Button
        size={size}
        variant="secondary"
        busy={busy}
        aria-label={`Stop ${label}`}
        onClick={() => setConfirming(true)}
      >
        Stop
      </Button>
      <ConfirmDialog
        open={confirming}
        title={`Stop the ${label} adapter?`}
        confirmLabel={`Stop ${label}`}
        busy={stop.isPending}
        error={stop.error ? errorMessage(stop.error) : undefined}
        onClose={() => {
          stop.reset();
          setConfirming(false);
        }}
        onConfirm={() => stop.mutate({ type }, { onSuccess: () => setConfirming(false) })}
      >
        <p>
          {connections !== undefined && connections > 0
            ? `${connections} ${connections === 1 ? "connection is" : "connections are"} closed now. `
            : ""}
          No {label} client can connect until it is started again, also after a daemon restart.
        </p>
      </ConfirmDialog>
    </>
  ) : (
    <Button
      size={size}
      busy={busy}
      aria-label={`Start ${type.toUpperCase()}`}
      aria-describedby={describedBy}
      onClick={() => start.mutate({ type })}
    >
      Start
    </Button>
  );
}

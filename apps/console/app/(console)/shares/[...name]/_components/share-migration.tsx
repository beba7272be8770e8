"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { ConfirmDialog } from "@/components/dialogs/confirm-dialog";
import { SelectField } from "@/components/forms/fields";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { useToast } from "@/components/ui/toast";
import { errorMessage } from "@/lib/errors";
import { formatBytes, formatDuration, usageText } from "@/lib/format";
import { useTRPC } from "@/lib/trpc";

/** Progress is polled this often while a copy runs, and slowly otherwise. */
const RUNNING_POLL_MS = 1000;
const IDLE_POLL_MS = 10_000;

type Confirming = "start" | "cancel" | "confirm" | null;

/**
 * Moving a share's data to another block store (docs/architecture.md "Moving a share's blocks"):
 * asks with a summary of the effect, shows progress (files, bytes, ETA), can cancel, and after
 * the switch removes the old copy only when asked.
 */
export function ShareMigration({
  share,
  canEdit,
  usage,
}: {
  share: { name: string; blockStore: string };
  canEdit: boolean;
  usage: { files: number; bytes: number } | undefined;
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const toast = useToast();
  const [target, setTarget] = useState("");
  const [confirming, setConfirming] = useState<Confirming>(null);
  const migrations = useQuery({
    ...trpc.shares.migrations.queryOptions(),
    refetchInterval: (q) =>
      q.state.data?.some((m) => m.share === share.name && running(m.phase)) ? RUNNING_POLL_MS : IDLE_POLL_MS,
  });
  const job = migrations.data?.find((m) => m.share === share.name);
  const stores = useQuery(trpc.stores.block.list.queryOptions());
  const targets = (stores.data ?? []).filter((s) => s.name !== share.blockStore);
  // The switch changes the share's record: the header and the settings follow.
  const phase = job?.phase;
  useEffect(() => {
    if (phase === "switched") void qc.invalidateQueries(trpc.shares.get.pathFilter());
  }, [phase, qc, trpc]);
  const done = (message: string) => () => {
    toast.success(message);
    setConfirming(null);
    void qc.invalidateQueries(trpc.shares.pathFilter());
  };
  const start = useMutation(
    trpc.shares.migrate.mutationOptions({
      onSuccess: (status) => {
        // Shown at once: the job is already copying, whatever the next poll says.
        qc.setQueryData(trpc.shares.migrations.queryKey(), (list) => [
          ...(list ?? []).filter((m) => m.share !== status.share),
          status,
        ]);
        toast.success("Migration started");
        setConfirming(null);
      },
    }),
  );
  const cancel = useMutation(
    trpc.shares.migrationCancel.mutationOptions({ onSuccess: done("Migration cancelled") }),
  );
  const confirm = useMutation(
    trpc.shares.migrationConfirm.mutationOptions({ onSuccess: done("Old copy removed") }),
  );
  const held = usage ? usageText(usage) : "its files";
  const active = job !== undefined && running(job.phase);
  return (
    <Card title="Move data" className="mt-4">
      {job ? <MigrationState job={job} /> : null}
      {canEdit && active ? (
        <Button variant="danger" className="mt-3" onClick={() => setConfirming("cancel")}>
          Cancel migration
        </Button>
      ) : null}
      {canEdit && job?.phase === "switched" ? (
        <Button variant="danger" className="mt-3" onClick={() => setConfirming("confirm")}>
          Remove old copy
        </Button>
      ) : null}
      {canEdit && !active && job?.phase !== "switched" ? (
        <form
          className="mt-2 flex max-w-2xl flex-wrap items-end gap-3"
          onSubmit={(e) => {
            e.preventDefault();
            if (target !== "") setConfirming("start");
          }}
        >
          <SelectField
            label="Move data to block store"
            className="min-w-56"
            value={target}
            onValue={setTarget}
            placeholder="Choose a block store"
            options={targets.map((s) => ({ value: s.name, label: `${s.name} (${s.type})` }))}
          />
          <Button
            type="submit"
            disabled={target === ""}
            title={target === "" ? "Choose a block store first" : undefined}
          >
            Migrate…
          </Button>
        </form>
      ) : null}
      {!canEdit ? <p className="text-sm text-slate-500">Only an admin can move a share's data.</p> : null}
      <ConfirmDialog
        open={confirming === "start"}
        title={`Move ${share.name} to ${target}?`}
        confirmLabel="Start migration"
        busy={start.isPending}
        error={start.error ? errorMessage(start.error) : undefined}
        onClose={() => {
          start.reset();
          setConfirming(null);
        }}
        onConfirm={() => start.mutate({ name: share.name, blockStore: target })}
      >
        <p className="font-medium">
          Copies {held} from block store {share.blockStore} to {target}, verifies every block, then switches
          the share to {target}.
        </p>
        <p>
          The share stays mounted, readable and writable throughout. Until it ends, its settings and both
          stores cannot be changed. The copy in {share.blockStore} is kept until you remove it.
        </p>
      </ConfirmDialog>
      <ConfirmDialog
        open={confirming === "cancel"}
        title={`Cancel moving ${share.name}?`}
        confirmLabel="Cancel migration"
        busy={cancel.isPending}
        error={cancel.error ? errorMessage(cancel.error) : undefined}
        onClose={() => setConfirming(null)}
        onConfirm={() => cancel.mutate({ name: share.name })}
      >
        <p>
          The share stays on {job?.from}; what was copied to {job?.to} so far is removed.
        </p>
      </ConfirmDialog>
      <ConfirmDialog
        open={confirming === "confirm"}
        title={`Remove the old copy in ${job?.from}?`}
        confirmLabel="Remove old copy"
        busy={confirm.isPending}
        error={confirm.error ? errorMessage(confirm.error) : undefined}
        onClose={() => setConfirming(null)}
        onConfirm={() => confirm.mutate({ name: share.name })}
      >
        <p>
          {share.name} now reads from {job?.to}. Its blocks in {job?.from} are deleted; other shares on{" "}
          {job?.from} are not touched.
        </p>
      </ConfirmDialog>
    </Card>
  );
}

function running(phase: string): boolean {
  return phase === "copying" || phase === "verifying";
}

interface JobView {
  from: string;
  to: string;
  phase: string;
  files: { done: number; total: number };
  bytes: { done: number; total: number };
  etaSeconds: number | null;
  error: string | null;
}

const PHASE_TEXT: Record<string, string> = {
  copying: "Copying",
  verifying: "Verifying",
  switched: "Switched",
  done: "Done",
  failed: "Failed",
  cancelled: "Cancelled",
};

function MigrationState({ job }: { job: JobView }) {
  const pct = job.bytes.total > 0 ? Math.min(100, Math.round((job.bytes.done / job.bytes.total) * 100)) : 100;
  if (!running(job.phase)) {
    return (
      <p role="status" className="text-sm">
        {job.phase === "switched"
          ? `Moved to block store ${job.to}. The old copy in ${job.from} is kept until you remove it.`
          : `${PHASE_TEXT[job.phase] ?? job.phase}: moving to ${job.to}${job.error ? ` — ${job.error}` : ""}. The share stayed on ${job.from}.`}
      </p>
    );
  }
  return (
    <div role="status" aria-label="Migration progress" className="space-y-2 text-sm">
      <p>
        {PHASE_TEXT[job.phase]} from {job.from} to {job.to}: {job.files.done} of {job.files.total} files,{" "}
        {formatBytes(job.bytes.done)} of {formatBytes(job.bytes.total)}, ETA {formatDuration(job.etaSeconds)}
      </p>
      <div
        role="progressbar"
        aria-label={`${PHASE_TEXT[job.phase]} progress`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct}
        className="h-2 w-full max-w-md overflow-hidden rounded bg-slate-200 dark:bg-slate-800"
      >
        <div className="h-full bg-indigo-600" style={{ width: `${pct}%` }} />
      </div>
    </div>
  );
}

"use client";
import { ACCESS_LEVELS, type AccessLevel, type NfsClientRule, shareUpdateInput } from "@dittofs/shared";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { useToast } from "@/components/ui/toast";
import { errorMessage } from "@/lib/errors";
import { useTRPC } from "@/lib/trpc";

/** One entry per line, as exports(5): `HOST(ro)` or `HOST(rw)`; a bare HOST is read-write. */
function toText(rules: readonly NfsClientRule[]): string {
  return rules.map((r) => `${r.host}(${r.access === "read" ? "ro" : "rw"})`).join("\n");
}

function fromText(text: string): NfsClientRule[] {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "")
    .map((l) => {
      const m = /^([^()\s]+)\s*(?:\((ro|rw)\))?$/.exec(l);
      return { host: m?.[1] ?? l, access: m?.[2] === "ro" ? ("read" as const) : ("read-write" as const) };
    });
}

/** The share's NFS client list and anonymous policy (README "NFS access control"). */
export function ShareNfsAccess({
  share,
  canEdit,
}: {
  share: { name: string; nfsClients: NfsClientRule[]; anonymousAccess: AccessLevel };
  canEdit: boolean;
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const toast = useToast();
  const [clients, setClients] = useState(toText(share.nfsClients));
  const [anonymous, setAnonymous] = useState<AccessLevel>(share.anonymousAccess);
  const [error, setError] = useState<string | null>(null);
  const update = useMutation(
    trpc.shares.update.mutationOptions({
      onSuccess: () => toast.success(`NFS access of ${share.name} saved`),
      onError: (e) => setError(errorMessage(e)),
      onSettled: () => qc.invalidateQueries(trpc.shares.pathFilter()),
    }),
  );
  const save = () => {
    const parsed = shareUpdateInput.safeParse({
      name: share.name,
      nfsClients: fromText(clients),
      anonymousAccess: anonymous,
    });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const line = typeof issue?.path[1] === "number" ? `Line ${issue.path[1] + 1}: ` : "";
      setError(`${line}${issue?.message ?? "invalid"}`);
      return;
    }
    setError(null);
    update.mutate(parsed.data);
  };
  return (
    <Card title="NFS access">
      <fieldset disabled={!canEdit} className="max-w-2xl space-y-4">
        <label className="block text-sm">
          <span className="font-medium">Allowed NFS clients</span>
          <span className="block text-slate-500">
            One per line: * , an IP address or a CIDR network, with (ro) or (rw). The first line matching a
            client decides; a client no line matches cannot mount.
          </span>
          <textarea
            className="mt-1 block w-full rounded border border-slate-300 p-2 font-mono text-xs dark:bg-slate-900"
            rows={5}
            value={clients}
            onChange={(e) => setClients(e.target.value)}
          />
        </label>
        <label className="block text-sm">
          <span className="font-medium">NFS users that are not DittoFS users</span>
          <select
            className="mt-1 block rounded border border-slate-300 p-1 dark:bg-slate-900"
            value={anonymous}
            onChange={(e) => setAnonymous(e.target.value as AccessLevel)}
          >
            {ACCESS_LEVELS.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        </label>
      </fieldset>
      {error ? (
        <p role="alert" className="mt-3 text-sm text-red-700">
          {error}
        </p>
      ) : null}
      {canEdit ? (
        <div className="mt-4">
          <Button onClick={save} busy={update.isPending}>
            Save NFS access
          </Button>
        </div>
      ) : null}
    </Card>
  );
}

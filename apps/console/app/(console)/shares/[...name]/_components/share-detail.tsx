"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { ConfirmDialog } from "@/components/dialogs/confirm-dialog";
import { ShareTrafficSummary } from "@/components/traffic/traffic-tables";
import { Button } from "@/components/ui/button";
import { ErrorBanner, PageHeader } from "@/components/ui/card";
import { Loading } from "@/components/ui/spinner";
import { Tabs } from "@/components/ui/tabs";
import { useToast } from "@/components/ui/toast";
import { errorCode, errorMessage } from "@/lib/errors";
import { usageText } from "@/lib/format";
import { useTRPC } from "@/lib/trpc";
import { ShareClients } from "./share-clients";
import { ShareMigration } from "./share-migration";
import { ShareMount } from "./share-mount";
import { ShareNfsAccess } from "./share-nfs-access";
import { SharePermissions } from "./share-permissions";
import { ShareSettings } from "./share-settings";

/** Usage figures follow the clients' writes at this pace (the daemon caches them ~3 s). */
const USAGE_REFRESH_MS = 5000;

export function ShareDetail({
  name,
  host,
  canEdit,
  username,
}: {
  name: string;
  host: string;
  canEdit: boolean;
  username: string;
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const toast = useToast();
  const router = useRouter();
  const [confirming, setConfirming] = useState(false);
  const share = useQuery(trpc.shares.get.queryOptions({ name }));
  const usage = useQuery({
    ...trpc.shares.usage.queryOptions(),
    refetchInterval: USAGE_REFRESH_MS,
  }).data?.find((u) => u.name === name);
  const remove = useMutation(
    trpc.shares.delete.mutationOptions({
      onSuccess: () => {
        toast.success(`Share ${name} deleted`);
        qc.invalidateQueries(trpc.shares.pathFilter());
        router.push("/shares");
      },
    }),
  );
  if (share.isPending) return <Loading what={`share ${name}`} />;
  if (share.isError) {
    return (
      <div className="space-y-3">
        <ErrorBanner>
          {errorCode(share.error) === "NOT_FOUND" ? `There is no share ${name}.` : errorMessage(share.error)}
        </ErrorBanner>
        <Link href="/shares" className="text-sm text-indigo-700 hover:underline dark:text-indigo-300">
          Back to shares
        </Link>
      </div>
    );
  }
  const s = share.data;
  return (
    <>
      <PageHeader
        title={`Share ${s.name}`}
        description={`Metadata on ${s.metadataStore}, content on ${s.blockStore}.${usage ? ` Holds ${usageText(usage)}.` : ""}`}
        actions={
          canEdit ? (
            <Button variant="danger" onClick={() => setConfirming(true)}>
              Delete share
            </Button>
          ) : null
        }
      />
      <ShareTrafficSummary name={s.name} />
      <Tabs
        tabs={[
          { id: "mount", label: "Mount", content: <ShareMount share={s} host={host} username={username} /> },
          {
            id: "permissions",
            label: "Permissions",
            content: <SharePermissions name={s.name} canEdit={canEdit} />,
          },
          { id: "clients", label: "Clients", content: <ShareClients name={s.name} canEdit={canEdit} /> },
          { id: "nfs-access", label: "NFS access", content: <ShareNfsAccess share={s} canEdit={canEdit} /> },
          {
            id: "settings",
            label: "Settings",
            content: (
              <>
                <ShareSettings share={s} canEdit={canEdit} usage={usage} />
                <ShareMigration share={s} canEdit={canEdit} usage={usage} />
              </>
            ),
          },
        ]}
      />
      <ConfirmDialog
        open={confirming}
        title={`Delete share ${s.name}?`}
        confirmLabel="Delete share"
        busy={remove.isPending}
        error={remove.error ? errorMessage(remove.error) : undefined}
        onClose={() => {
          remove.reset();
          setConfirming(false);
        }}
        onConfirm={() => remove.mutate({ name: s.name })}
      >
        {usage && usage.files > 0 ? (
          <p className="mb-2 font-medium">
            {s.name} holds {usageText(usage)}; they can no longer be reached through any share.
          </p>
        ) : null}
        <p>
          Clients can no longer mount {s.name}. The stores {s.metadataStore} and {s.blockStore} stay and can
          serve other shares.
        </p>
      </ConfirmDialog>
    </>
  );
}

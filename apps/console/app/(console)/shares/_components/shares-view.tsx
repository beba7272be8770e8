"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { DataTable, Pagination, usePaged } from "@/components/tables/table";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { EmptyState, ErrorBanner } from "@/components/ui/card";
import { Loading } from "@/components/ui/spinner";
import { errorMessage } from "@/lib/errors";
import { shareHref } from "@/lib/share-path";
import { useTRPC } from "@/lib/trpc";
import { ShareCreateDialog } from "./share-create-dialog";

export function SharesView({ canEdit }: { canEdit: boolean }) {
  const trpc = useTRPC();
  const [creating, setCreating] = useState(false);
  const shares = useQuery(trpc.shares.list.queryOptions());
  const paged = usePaged(shares.data ?? []);
  return (
    <div className="space-y-4">
      {canEdit ? (
        <div className="flex justify-end">
          <Button onClick={() => setCreating(true)}>Create share</Button>
        </div>
      ) : null}
      {shares.isPending ? <Loading what="shares" /> : null}
      {shares.isError ? <ErrorBanner>{errorMessage(shares.error)}</ErrorBanner> : null}
      {shares.data?.length === 0 ? (
        <EmptyState title="No shares yet">
          {canEdit ? "Create a share on a metadata store and a block store, then grant users access." : null}
        </EmptyState>
      ) : null}
      {shares.data && shares.data.length > 0 ? (
        <>
          <DataTable
            label="Shares"
            rows={paged.visible}
            rowKey={(s) => s.name}
            columns={[
              {
                header: "Name",
                cell: (s) => (
                  <Link
                    href={shareHref(s.name)}
                    className="font-medium text-indigo-700 hover:underline dark:text-indigo-300"
                  >
                    {s.name}
                  </Link>
                ),
              },
              { header: "Metadata store", cell: (s) => s.metadataStore },
              { header: "Block store", cell: (s) => s.blockStore },
              {
                header: "Protocols",
                cell: (s) => (
                  <span className="flex gap-1">
                    {s.nfs ? <Badge tone="indigo">NFS</Badge> : null}
                    {s.smb ? <Badge tone="indigo">SMB</Badge> : null}
                    {!s.nfs && !s.smb ? <Badge>none</Badge> : null}
                  </span>
                ),
              },
              {
                header: "Access",
                cell: (s) =>
                  s.readOnly ? <Badge tone="amber">read-only</Badge> : <Badge tone="green">read-write</Badge>,
              },
              { header: "Squash", cell: (s) => s.squash },
            ]}
          />
          <Pagination {...paged} total={shares.data.length} />
        </>
      ) : null}
      {creating ? <ShareCreateDialog onClose={() => setCreating(false)} /> : null}
    </div>
  );
}

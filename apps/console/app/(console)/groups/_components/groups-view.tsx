"use client";
import type { AppRouter } from "@dittofs/daemon/router-types";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { useState } from "react";
import { ConfirmDialog } from "@/components/dialogs/confirm-dialog";
import { Pagination, usePaged } from "@/components/tables/table";
import { Button } from "@/components/ui/button";
import { EmptyState, ErrorBanner } from "@/components/ui/card";
import { Loading } from "@/components/ui/spinner";
import { useToast } from "@/components/ui/toast";
import { errorMessage } from "@/lib/errors";
import { useTRPC } from "@/lib/trpc";
import { GroupFormDialog } from "./group-form-dialog";
import { GroupMembersDialog } from "./group-members-dialog";
import { GroupsTable } from "./groups-table";

export type Group = inferRouterOutputs<AppRouter>["groups"]["list"][number];
export type Open = { kind: "create" } | { kind: "edit" | "members" | "delete"; group: Group } | null;

export function GroupsView({ canEdit }: { canEdit: boolean }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const toast = useToast();
  const [open, setOpen] = useState<Open>(null);
  const groups = useQuery(trpc.groups.list.queryOptions());
  const paged = usePaged(groups.data ?? []);
  const remove = useMutation(
    trpc.groups.delete.mutationOptions({
      onSuccess: (_d, v) => {
        toast.success(`Group ${v.name} deleted`);
        setOpen(null);
      },
      onSettled: () => qc.invalidateQueries(trpc.groups.pathFilter()),
    }),
  );
  const close = () => setOpen(null);

  return (
    <div className="space-y-4">
      {canEdit ? (
        <div className="flex justify-end">
          <Button onClick={() => setOpen({ kind: "create" })}>Create group</Button>
        </div>
      ) : null}
      {groups.isPending ? <Loading what="groups" /> : null}
      {groups.isError ? <ErrorBanner>{errorMessage(groups.error)}</ErrorBanner> : null}
      {groups.data?.length === 0 ? (
        <EmptyState title="No groups yet">
          {canEdit ? "Create a group, add users to it, then grant it access to shares." : null}
        </EmptyState>
      ) : null}
      {groups.data && groups.data.length > 0 ? (
        <>
          <GroupsTable rows={paged.visible} canEdit={canEdit} onOpen={setOpen} />
          <Pagination {...paged} total={groups.data.length} />
        </>
      ) : null}
      {open?.kind === "create" ? <GroupFormDialog onClose={close} /> : null}
      {open?.kind === "edit" ? <GroupFormDialog group={open.group} onClose={close} /> : null}
      {open?.kind === "members" ? (
        <GroupMembersDialog name={open.group.name} canEdit={canEdit} onClose={close} />
      ) : null}
      <ConfirmDialog
        open={open?.kind === "delete"}
        title={`Delete group ${open?.kind === "delete" ? open.group.name : ""}?`}
        confirmLabel="Delete group"
        busy={remove.isPending}
        error={remove.error ? errorMessage(remove.error) : undefined}
        onClose={() => {
          remove.reset();
          close();
        }}
        onConfirm={() => open?.kind === "delete" && remove.mutate({ name: open.group.name })}
      >
        <p>Members lose the share permissions granted through this group.</p>
      </ConfirmDialog>
    </div>
  );
}

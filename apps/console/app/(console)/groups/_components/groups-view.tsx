"use client";
import type { AppRouter } from "@dittofs/daemon/router-types";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { useDeferredValue, useState } from "react";
import { ConfirmDialog } from "@/components/dialogs/confirm-dialog";
import { Button } from "@/components/ui/button";
import { EmptyState, ErrorBanner } from "@/components/ui/card";
import { SearchInput } from "@/components/ui/search-input";
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
  const [search, setSearch] = useState("");
  const needle = useDeferredValue(search.trim().toLowerCase());
  // Few groups: filtered here, by name, gid or member.
  const shown = (groups.data ?? []).filter(
    (g) =>
      needle === "" ||
      g.name.toLowerCase().includes(needle) ||
      String(g.gid) === needle ||
      g.members.some((m) => m.toLowerCase().includes(needle)),
  );
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
      <div className="flex flex-wrap items-center gap-3">
        <SearchInput
          label="Search groups"
          placeholder="Search groups or members…"
          value={search}
          onValue={setSearch}
        />
        {canEdit ? (
          <Button className="ml-auto" onClick={() => setOpen({ kind: "create" })}>
            Create group
          </Button>
        ) : null}
      </div>
      {groups.isPending ? <Loading what="groups" /> : null}
      {groups.isError ? <ErrorBanner>{errorMessage(groups.error)}</ErrorBanner> : null}
      {groups.data?.length === 0 ? (
        <EmptyState title="No groups yet">
          {canEdit ? "Create a group, add users to it, then grant it access to shares." : null}
        </EmptyState>
      ) : null}
      {groups.data && groups.data.length > 0 && shown.length === 0 ? (
        <EmptyState title="No groups match">Change or clear the search.</EmptyState>
      ) : null}
      {shown.length > 0 ? <GroupsTable rows={shown} canEdit={canEdit} onOpen={setOpen} /> : null}
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

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
import { useUserToggle } from "./use-user-toggle";
import { UserCreateDialog } from "./user-create-dialog";
import { UserEditDialog } from "./user-edit-dialog";
import { UserResetPasswordDialog } from "./user-reset-password-dialog";
import { UsersTable } from "./users-table";

export type User = inferRouterOutputs<AppRouter>["users"]["list"][number];

export type Open = { kind: "create" } | { kind: "edit" | "reset" | "delete"; user: User } | null;

export function UsersView({ canEdit, self }: { canEdit: boolean; self: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const toast = useToast();
  const [search, setSearch] = useState("");
  const deferred = useDeferredValue(search.trim());
  const [open, setOpen] = useState<Open>(null);
  const listInput = deferred === "" ? undefined : { search: deferred };
  const users = useQuery(trpc.users.list.queryOptions(listInput));
  const invalidate = () => qc.invalidateQueries(trpc.users.pathFilter());

  const toggle = useUserToggle(listInput);
  const remove = useMutation(
    trpc.users.delete.mutationOptions({
      onSuccess: (_d, v) => {
        toast.success(`User ${v.username} deleted`);
        setOpen(null);
      },
      onSettled: invalidate,
    }),
  );

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center gap-3">
        <SearchInput label="Search users" placeholder="Search users…" value={search} onValue={setSearch} />
        {canEdit ? (
          <Button className="ml-auto" onClick={() => setOpen({ kind: "create" })}>
            Create user
          </Button>
        ) : null}
      </div>
      {users.isPending ? <Loading what="users" /> : null}
      {users.isError ? <ErrorBanner>{errorMessage(users.error)}</ErrorBanner> : null}
      {users.data?.length === 0 ? (
        <EmptyState title={deferred === "" ? "No users yet" : `No user matches “${deferred}”`}>
          {canEdit ? "Create one with “Create user”; it can then sign in here and mount shares." : null}
        </EmptyState>
      ) : null}
      {users.data && users.data.length > 0 ? (
        <UsersTable rows={users.data} canEdit={canEdit} self={self} toggle={toggle} onOpen={setOpen} />
      ) : null}
      <UserCreateDialog open={open?.kind === "create"} onClose={() => setOpen(null)} />
      {open?.kind === "edit" ? <UserEditDialog user={open.user} onClose={() => setOpen(null)} /> : null}
      {open?.kind === "reset" ? (
        <UserResetPasswordDialog user={open.user} onClose={() => setOpen(null)} />
      ) : null}
      <ConfirmDialog
        open={open?.kind === "delete"}
        title={`Delete user ${open?.kind === "delete" ? open.user.username : ""}?`}
        confirmLabel="Delete user"
        busy={remove.isPending}
        error={remove.error ? errorMessage(remove.error) : undefined}
        onClose={() => {
          remove.reset();
          setOpen(null);
        }}
        onConfirm={() => open?.kind === "delete" && remove.mutate({ username: open.user.username })}
      >
        <p>The account can no longer sign in or mount shares. Files it owns keep their uid.</p>
      </ConfirmDialog>
    </div>
  );
}

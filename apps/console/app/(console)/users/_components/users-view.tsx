"use client";
import type { AppRouter } from "@dittofs/daemon/router-types";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { useDeferredValue, useState } from "react";
import { ConfirmDialog } from "@/components/dialogs/confirm-dialog";
import { DataTable, Pagination, usePaged } from "@/components/tables/table";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { EmptyState, ErrorBanner } from "@/components/ui/card";
import { Loading } from "@/components/ui/spinner";
import { useToast } from "@/components/ui/toast";
import { errorMessage } from "@/lib/errors";
import { useTRPC } from "@/lib/trpc";
import { UserCreateDialog } from "./user-create-dialog";
import { UserEditDialog } from "./user-edit-dialog";
import { UserResetPasswordDialog } from "./user-reset-password-dialog";

export type User = inferRouterOutputs<AppRouter>["users"]["list"][number];

type Open = { kind: "create" } | { kind: "edit" | "reset" | "delete"; user: User } | null;

export function UsersView({ canEdit, self }: { canEdit: boolean; self: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const toast = useToast();
  const [search, setSearch] = useState("");
  const deferred = useDeferredValue(search.trim());
  const [open, setOpen] = useState<Open>(null);
  const users = useQuery(trpc.users.list.queryOptions(deferred === "" ? undefined : { search: deferred }));
  const paged = usePaged(users.data ?? []);
  const invalidate = () => qc.invalidateQueries(trpc.users.pathFilter());

  // Enabling/disabling is optimistic: the badge flips at once and rolls back if the daemon refuses.
  const toggle = useMutation(
    trpc.users.update.mutationOptions({
      onMutate: async (v) => {
        const key = trpc.users.list.queryKey(deferred === "" ? undefined : { search: deferred });
        await qc.cancelQueries({ queryKey: key });
        const previous = qc.getQueryData(key);
        qc.setQueryData(key, (rows) =>
          rows?.map((u) => (u.username === v.username ? { ...u, enabled: v.enabled ?? u.enabled } : u)),
        );
        return { key, previous };
      },
      onSuccess: (_d, v) => toast.success(`${v.username} ${v.enabled ? "enabled" : "disabled"}`),
      onError: (e, _v, context) => {
        if (context) qc.setQueryData(context.key, context.previous);
        toast.error(errorMessage(e));
      },
      onSettled: invalidate,
    }),
  );
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
        <input
          type="search"
          aria-label="Search users"
          placeholder="Search users…"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          className="w-64 max-w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-950"
        />
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
        <>
          <DataTable
            label="Users"
            rows={paged.visible}
            rowKey={(u) => u.username}
            columns={[
              { header: "Username", cell: (u) => <span className="font-medium">{u.username}</span> },
              { header: "UID", cell: (u) => u.uid },
              { header: "GID", cell: (u) => u.gid },
              {
                header: "Role",
                cell: (u) => <Badge tone={u.role === "admin" ? "indigo" : "slate"}>{u.role}</Badge>,
              },
              {
                header: "Status",
                cell: (u) => (
                  <span className="flex flex-wrap gap-1">
                    {u.enabled ? <Badge tone="green">enabled</Badge> : <Badge tone="red">disabled</Badge>}
                    {u.mustChangePassword ? <Badge tone="amber">must change password</Badge> : null}
                  </span>
                ),
              },
              ...(canEdit
                ? [
                    {
                      header: "Actions",
                      className: "text-right whitespace-nowrap",
                      cell: (u: User) => (
                        <span className="flex justify-end gap-1">
                          <Button
                            size="sm"
                            variant="secondary"
                            aria-label={`Edit ${u.username}`}
                            onClick={() => setOpen({ kind: "edit", user: u })}
                          >
                            Edit
                          </Button>
                          <Button
                            size="sm"
                            variant="secondary"
                            aria-label={`Reset password of ${u.username}`}
                            onClick={() => setOpen({ kind: "reset", user: u })}
                          >
                            Reset password
                          </Button>
                          <Button
                            size="sm"
                            variant="secondary"
                            disabled={u.username === self}
                            busy={toggle.isPending && toggle.variables?.username === u.username}
                            aria-label={`${u.enabled ? "Disable" : "Enable"} ${u.username}`}
                            onClick={() => toggle.mutate({ username: u.username, enabled: !u.enabled })}
                          >
                            {u.enabled ? "Disable" : "Enable"}
                          </Button>
                          <Button
                            size="sm"
                            variant="danger"
                            disabled={u.username === self}
                            aria-label={`Delete ${u.username}`}
                            onClick={() => setOpen({ kind: "delete", user: u })}
                          >
                            Delete
                          </Button>
                        </span>
                      ),
                    },
                  ]
                : []),
            ]}
          />
          <Pagination {...paged} total={users.data.length} />
        </>
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

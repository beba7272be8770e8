"use client";
import { DataTable } from "@/components/tables/table";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import type { UserToggle } from "./use-user-toggle";
import type { Open, User } from "./users-view";

export function UsersTable({
  rows,
  canEdit,
  self,
  toggle,
  onOpen,
}: {
  rows: User[];
  canEdit: boolean;
  self: string;
  toggle: UserToggle;
  onOpen: (open: Open) => void;
}) {
  const setOpen = onOpen;
  return (
    <DataTable
      label="Users"
      rows={rows}
      rowKey={(u) => u.username}
      columns={[
        {
          header: "Username",
          sort: (u) => u.username,
          cell: (u) => <span className="font-medium">{u.username}</span>,
        },
        { header: "UID", sort: (u) => u.uid, cell: (u) => u.uid },
        { header: "GID", sort: (u) => u.gid, cell: (u) => u.gid },
        {
          header: "Role",
          sort: (u) => u.role,
          cell: (u) => <Badge tone={u.role === "admin" ? "indigo" : "slate"}>{u.role}</Badge>,
        },
        {
          header: "Status",
          sort: (u) => `${u.enabled ? "enabled" : "disabled"}${u.mustChangePassword ? " must change" : ""}`,
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
  );
}
